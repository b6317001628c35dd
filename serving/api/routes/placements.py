"""Placements (project starts); consultant and requirement come from the submission."""

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from serving.api.crud import Resource, crud_router
from serving.api.deps import Principal
from serving.errors import ProblemError
from serving.schemas.pipeline import PlacementCreate, PlacementPublic, PlacementsPublic, PlacementUpdate
from warehouse.repositories import records
from warehouse.repositories.crm_tables import PLACEMENTS, SUBMISSIONS


def _from_submission(conn: Connection, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    sub = records.get_row(conn, SUBMISSIONS, values["submission_id"])
    if sub is None:
        raise ProblemError(422, "unknown-reference", "Unprocessable Content",
                           f"submission {values['submission_id']} does not exist")
    return {**values, "consultant_id": sub["consultant_id"], "requirement_id": sub["requirement_id"]}


RESOURCE = Resource(name="placements", spec=PLACEMENTS, create=PlacementCreate, update=PlacementUpdate,
                    public=PlacementPublic, page=PlacementsPublic,
                    filters={"submission_id": uuid.UUID, "consultant_id": uuid.UUID, "requirement_id": uuid.UUID},
                    before_create=_from_submission)
router = crud_router(RESOURCE)
