"""Companies: end clients, vendors, prime vendors, MSPs."""

from serving.api.crud import Resource, crud_router
from serving.schemas.companies import CompaniesPublic, CompanyCreate, CompanyKind, CompanyPublic, CompanyUpdate
from warehouse.repositories.crm_tables import COMPANIES

RESOURCE = Resource(name="companies", spec=COMPANIES, create=CompanyCreate, update=CompanyUpdate,
                    public=CompanyPublic, page=CompaniesPublic, filters={"kind": CompanyKind, "state": str})
router = crud_router(RESOURCE)
