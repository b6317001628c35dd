"""Data-subject export and erasure (Owner/Admin)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

_OUT = ConfigDict(alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True)


class PersonExport(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "email": "ana.souza@example.com",
        "tables": {"consultant": [{"id": "9b2f7c1e-3a51-4c55-9d1e-2f0c8f1b8a11", "full_name": "Ana Souza",
                                   "email": "ana.souza@example.com"}],
                   "submission": [{"id": "5d1e2f0c-8f1b-4a11-9b2f-7c1e3a514c55", "status": "submitted"}]},
        "mentions": {"activity.body": 2}, "privacyRequestId": "0c8f1b8a-1111-4c55-9d1e-2f0c8f1b8a11"}]})

    email: str
    tables: dict[str, list[dict[str, Any]]]   # rows as stored, per table (bytes as base64)
    mentions: dict[str, int]                  # other rows that name the person, per table.column
    privacy_request_id: uuid.UUID


class PersonErasure(BaseModel):
    model_config = ConfigDict(**_OUT, json_schema_extra={"examples": [{
        "erased": {"consultant": 1, "submission": 2, "embedding": 1, "activity.body": 1},
        "privacyRequestId": "0c8f1b8a-1111-4c55-9d1e-2f0c8f1b8a11"}]})

    erased: dict[str, int]   # rows deleted per table, rows scrubbed per table.column
    privacy_request_id: uuid.UUID
