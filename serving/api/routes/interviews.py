"""Client interviews of a submission (rounds 1-10)."""

import uuid

from serving.api.crud import Resource, crud_router
from serving.schemas.pipeline import (
                    InterviewCreate,
                    InterviewOutcome,
                    InterviewPublic,
                    InterviewsPublic,
                    InterviewUpdate,
)
from warehouse.repositories.crm_tables import INTERVIEWS

RESOURCE = Resource(name="interviews", spec=INTERVIEWS, create=InterviewCreate, update=InterviewUpdate,
                    public=InterviewPublic, page=InterviewsPublic,
                    filters={"submission_id": uuid.UUID, "outcome": InterviewOutcome})
router = crud_router(RESOURCE)
