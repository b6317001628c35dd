select
    tenant_id,
    tenant_slug,
    tenant_name,
    created_at
from {{ ref('stg_crm__tenants') }}
