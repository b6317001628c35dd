with source as (
    select * from {{ source('crm', 'submission') }}
),

renamed as (
    select
        id as submission_id,
        tenant_id,
        consultant_id,
        requirement_id,
        vendor_company_id,
        recruiter_id,
        recommendation_id,
        status as submission_status,
        submitted_rate as submitted_rate_usd,
        pay_rate as pay_rate_usd,
        submitted_at,
        closed_at,
        deleted_at is not null as is_deleted,
        created_at,
        updated_at
    from source
)

select * from renamed
