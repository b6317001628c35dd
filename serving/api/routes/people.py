"""Data subjects (Owner/Admin): everything the tenant holds about a person, by email address; and its erasure.

The audit trail (crm.privacy_request and an audit_log row) records a keyed hash of the address and row counts,
never the address or the data. Erasure also rewrites the marts' Parquet exports in this deployment's data folder
(warehouse/offline/scrub.py) before the transaction commits: a failed commit leaves the exports scrubbed and the
rows in place, which the next `marts_export` and a retried erasure both put right.
"""

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy.engine import Connection

from serving.api.deps import Principal, in_one_call, request_id, require
from serving.errors import ProblemError, problem_responses
from serving.schemas.people import PersonErasure, PersonExport
from serving.services.records import record_change
from warehouse.crypto import get_keyring
from warehouse.offline.scrub import scrub_exports
from warehouse.repositories import people

router = APIRouter(prefix="/v1/people", tags=["people"])

Email = Annotated[str, Path(alias="email", min_length=3, max_length=254, pattern=r"^[^@\s/]+@[^@\s/]+$",
                            description="The person's email address", examples=["ana.souza@example.com"])]


def _find(request: Request, conn: Any, email: str) -> tuple[people.Person, str]:
    subject_hash = get_keyring(request.app.state.settings).blind_index(email, "email")
    person = people.find_person(conn, email)
    if not person.found:
        raise ProblemError(404, "not-found", "Not Found", "no consultant, contact or email sender has that address")
    return person, subject_hash


def _plain(value: Any) -> Any:
    """Raw bytes (emails, files) as base64, vectors as lists; the rest is left to jsonable_encoder."""
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _audit(conn: Any, principal: Principal, request: Request, action: str, subject_hash: str,
           counts: dict[str, int]) -> Any:
    request_id_ = request_id(request)
    privacy_id = people.record_request(conn, tenant_id=principal.tenant_id, action=action,
                                       subject_hash=subject_hash, actor_id=principal.actor_id,
                                       request_id=request_id_, counts=counts)
    record_change(conn, principal, action=action, entity="person", entity_id=privacy_id, before=None, after=None,
                  request_id=request_id_, audit_payload={"privacyRequestId": str(privacy_id), "counts": counts})
    return privacy_id


@router.get("/{email}/export", name="export_person", response_model=PersonExport,
            summary="Export everything the tenant holds about a person (GDPR/CCPA access request)",
            responses=problem_responses(401, 403, 404, 422, 429),
            openapi_extra={"x-required-permission": "people:read"})
@in_one_call
def export_person(request: Request, email: Email,
                  principal: Annotated[Principal, Depends(require("people", "read"))], conn: Connection) -> Any:
    person, subject_hash = _find(request, conn, email)
    data = people.export(conn, person)
    counts = {table: len(rows) for table, rows in data["tables"].items()}
    privacy_id = _audit(conn, principal, request, "export", subject_hash, counts)
    tables = jsonable_encoder({t: [{k: _plain(v) for k, v in row.items()} for row in rows]
                               for t, rows in data["tables"].items()})
    return {"email": person.email, "tables": tables, "mentions": data["mentions"], "privacyRequestId": privacy_id}


@router.delete("/{email}", name="erase_person", response_model=PersonErasure,
               summary="Erase a person: delete their records and scrub every mention (right to erasure)",
               responses=problem_responses(401, 403, 404, 422, 429),
               openapi_extra={"x-required-permission": "people:delete"})
@in_one_call
def erase_person(request: Request, email: Email,
                 principal: Annotated[Principal, Depends(require("people", "delete"))], conn: Connection) -> Any:
    person, subject_hash = _find(request, conn, email)
    counts = people.erase(conn, person)
    counts.update({f"exports/{k}": n for k, n in scrub_exports(
        request.app.state.settings.data_dir / "exports", tenant_id=principal.tenant_id,
        person_ids=person.consultant_ids + person.contact_ids, pattern=people.mention_pattern(person),
        replacement=people.ERASED).items()})
    privacy_id = _audit(conn, principal, request, "erase", subject_hash, counts)
    return {"erased": counts, "privacyRequestId": privacy_id}
