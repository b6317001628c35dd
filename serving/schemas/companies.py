from __future__ import annotations

import uuid
from typing import Literal

from pydantic import ConfigDict

from serving.schemas.base import ApiModel, Email, Name, PageModel, Phone, PublicModel, Short, Uuid, partial

CompanyKind = Literal["client", "vendor", "prime_vendor", "msp"]


class CompanyCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Prime Vendor Inc", "kind": "vendor", "domain": "primevendor.example", "city": "Edison",
         "state": "NJ"}]})

    name: Name
    kind: CompanyKind
    external_id: Short | None = None
    industry: Short | None = None
    domain: Short | None = None
    city: Short | None = None
    state: Short | None = None


CompanyUpdate = partial(CompanyCreate, "CompanyUpdate", exclude=frozenset({"external_id"}),
                        examples=[{"industry": "Banking"}])


class CompanyPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", "version": 1, "createdAt": "2026-11-25T07:00:00Z",
        "updatedAt": "2026-11-25T07:00:00Z", "name": "Prime Vendor Inc", "kind": "vendor"}]})

    name: str
    kind: str
    external_id: str | None = None
    industry: str | None = None
    domain: str | None = None
    city: str | None = None
    state: str | None = None


class CompaniesPublic(PageModel):
    data: list[CompanyPublic]


class ContactCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"companyId": "1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", "fullName": "Vic Vendor",
         "email": "vic@primevendor.example", "phone": "+1 (732) 555-0100", "title": "Account Manager"}]})

    company_id: Uuid
    full_name: Name
    external_id: Short | None = None
    email: Email | None = None
    phone: Phone | None = None
    title: Short | None = None


ContactUpdate = partial(ContactCreate, "ContactUpdate", exclude=frozenset({"external_id"}),
                        examples=[{"title": "Delivery Manager"}])


class ContactPublic(PublicModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "2a3b4c5d-6e7f-4081-9233-445566778899", "version": 1, "createdAt": "2026-11-25T07:00:00Z",
        "updatedAt": "2026-11-25T07:00:00Z", "companyId": "1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
        "fullName": "Vic Vendor"}]})

    company_id: uuid.UUID
    full_name: str
    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None


class ContactsPublic(PageModel):
    data: list[ContactPublic]
