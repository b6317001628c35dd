"""Requirements (demand): CRUD, full-text search, consultant recommendations."""

import uuid

from serving.api.crud import Resource, crud_router
from serving.api.recommend import add_recommend_route
from serving.schemas.requirements import (
    RequirementCreate,
    RequirementPublic,
    RequirementsPublic,
    RequirementStatus,
    RequirementUpdate,
    WorkMode,
)
from warehouse.queries.matching import Direction
from warehouse.repositories.crm_tables import REQUIREMENTS

RESOURCE = Resource(
    name="requirements", spec=REQUIREMENTS, create=RequirementCreate, update=RequirementUpdate,
    public=RequirementPublic, page=RequirementsPublic,
    filters={"status": RequirementStatus, "work_mode": WorkMode, "state": str, "client_company_id": uuid.UUID,
             "vendor_company_id": uuid.UUID})

router = crud_router(RESOURCE)
add_recommend_route(router, Direction.FOR_REQUIREMENT,
                    summary="Recommend bench consultants for a requirement (stored and audited)")
