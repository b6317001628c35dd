select
    company_id,
    tenant_id,
    company_name,
    company_kind,
    industry,
    is_deleted
from {{ ref('stg_crm__companies') }}
