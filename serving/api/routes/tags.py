"""Tags (unique name per tenant)."""

from serving.api.crud import Resource, crud_router
from serving.schemas.activities import TagCreate, TagPublic, TagsPublic, TagUpdate
from warehouse.repositories.crm_tables import TAGS

RESOURCE = Resource(name="tags", spec=TAGS, create=TagCreate, update=TagUpdate, public=TagPublic, page=TagsPublic,
                    filters={"name": str})
router = crud_router(RESOURCE)
