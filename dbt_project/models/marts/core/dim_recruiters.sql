-- Every human user of a tenant can submit, decide recommendations or own requirements: all are "recruiters" here.
select
    user_id as recruiter_id,
    tenant_id,
    full_name,
    email,
    role_name
from {{ ref('stg_crm__app_users') }}
where not is_service_account
