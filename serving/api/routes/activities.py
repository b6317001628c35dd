"""Activities: emails, calls, notes and meetings, linked to consultants, requirements or contacts."""

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from serving.api.crud import Resource, crud_router
from serving.api.deps import Principal
from serving.schemas.activities import ActivitiesPublic, ActivityCreate, ActivityKind, ActivityPublic, ActivityUpdate
from warehouse.repositories.crm_tables import ACTIVITIES


def _stamp_actor(conn: Connection, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "actor_id": principal.actor_id}


RESOURCE = Resource(name="activities", spec=ACTIVITIES, create=ActivityCreate, update=ActivityUpdate,
                    public=ActivityPublic, page=ActivitiesPublic,
                    filters={"kind": ActivityKind, "consultant_id": uuid.UUID, "requirement_id": uuid.UUID,
                             "contact_id": uuid.UUID},
                    before_create=_stamp_actor)
router = crud_router(RESOURCE)
