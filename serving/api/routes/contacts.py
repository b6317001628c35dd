"""Contacts at companies (vendor account managers, client hiring managers)."""

import uuid

from serving.api.crud import Resource, crud_router
from serving.schemas.companies import ContactCreate, ContactPublic, ContactsPublic, ContactUpdate
from warehouse.repositories.crm_tables import CONTACTS

RESOURCE = Resource(name="contacts", spec=CONTACTS, create=ContactCreate, update=ContactUpdate,
                    public=ContactPublic, page=ContactsPublic, filters={"company_id": uuid.UUID})
router = crud_router(RESOURCE)
