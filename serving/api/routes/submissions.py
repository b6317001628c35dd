"""Submissions: one per (consultant, requirement); status moves along the state machine only."""

import uuid

from serving.api.crud import Resource, crud_router
from serving.schemas.pipeline import (
    SubmissionCreate,
    SubmissionPublic,
    SubmissionsPublic,
    SubmissionStatus,
    SubmissionUpdate,
)
from serving.services.submissions import before_update
from warehouse.repositories.crm_tables import SUBMISSIONS

RESOURCE = Resource(name="submissions", spec=SUBMISSIONS, create=SubmissionCreate, update=SubmissionUpdate,
                    public=SubmissionPublic, page=SubmissionsPublic,
                    filters={"status": SubmissionStatus, "consultant_id": uuid.UUID, "requirement_id": uuid.UUID},
                    before_update=before_update)
router = crud_router(RESOURCE)
