"""Who is asking and which request this is: what services need of a request, without the API's dependencies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class Principal:
    subject: str
    actor_id: uuid.UUID          # the subject as a UUID (uuid5 of iss+sub when the IdP's subject is not one)
    tenant_id: uuid.UUID
    role: str
    is_service_account: bool
    permissions: frozenset[tuple[str, str]]

    @property
    def actor_type(self) -> str:
        return "service" if self.is_service_account else "user"

    def can(self, resource: str, action: str) -> bool:
        return (resource, action) in self.permissions


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)
