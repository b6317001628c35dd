with source as (
    select * from {{ source('crm', 'requirement') }}
),

renamed as (
    select
        id as requirement_id,
        tenant_id,
        title,
        client_company_id,
        vendor_company_id,
        recruiter_id,
        status as requirement_status,
        bill_rate_max as bill_rate_max_usd,
        duration_months,
        received_at,
        deleted_at is not null as is_deleted,
        created_at,
        updated_at
    from source
)

select * from renamed
