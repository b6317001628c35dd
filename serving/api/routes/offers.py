"""Offers on a submission."""

import uuid

from serving.api.crud import Resource, crud_router
from serving.schemas.pipeline import OfferCreate, OfferPublic, OffersPublic, OfferStatus, OfferUpdate
from warehouse.repositories.crm_tables import OFFERS

RESOURCE = Resource(name="offers", spec=OFFERS, create=OfferCreate, update=OfferUpdate, public=OfferPublic,
                    page=OffersPublic, filters={"submission_id": uuid.UUID, "status": OfferStatus})
router = crud_router(RESOURCE)
