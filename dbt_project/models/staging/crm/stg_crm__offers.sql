with source as (
    select * from {{ source('crm', 'offer') }}
),

renamed as (
    select
        id as offer_id,
        tenant_id,
        submission_id,
        bill_rate as bill_rate_usd,
        pay_rate as pay_rate_usd,
        offered_at,
        status as offer_status,
        deleted_at is not null as is_deleted,
        updated_at
    from source
)

select * from renamed
