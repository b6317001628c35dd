"""`Idempotency-Key` on POST: inside the request's transaction, the first response is stored; a retry with the same
key and body gets that response back (with `Idempotent-Replayed: true`) and creates nothing; the same key with a
different body is a 422. An advisory lock makes a concurrent retry wait for the first attempt to finish."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from serving.context import Principal
from serving.errors import ProblemError
from serving.json_response import FastJSONResponse
from warehouse.repositories import idempotency as repo

Outcome = tuple[int, Any, dict[str, str]]  # status, JSON body, headers


def request_fingerprint(request: Request, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    target = f"{request.method} {request.url.path}?{request.url.query}"
    return hashlib.sha256(f"{target}\n{canonical}".encode()).hexdigest()


def run_once(conn: Connection, principal: Principal, request: Request, key: str | None, payload: Any,
             produce: Callable[[], Outcome]) -> Response:
    if key is None:
        status, body, headers = produce()
        return FastJSONResponse(body, status_code=status, headers=headers)
    repo.lock_key(conn, tenant_id=principal.tenant_id, key=key)
    fingerprint = request_fingerprint(request, payload)
    previous = repo.find(conn, key=key)
    if previous is not None:
        if previous["request_hash"] != fingerprint:
            raise ProblemError(422, "idempotency-key-reused", "Unprocessable Content",
                               "this Idempotency-Key was already used for a different request")
        stored = previous["response"] or {}
        headers = {**stored.get("headers", {}), "Idempotent-Replayed": "true"}
        return FastJSONResponse(stored.get("body"), status_code=previous["status_code"], headers=headers)
    status, body, headers = produce()
    repo.store(conn, tenant_id=principal.tenant_id, key=key, method=request.method, path=request.url.path,
               request_hash=fingerprint, status_code=status, response={"body": body, "headers": headers})
    return FastJSONResponse(body, status_code=status, headers=headers)
