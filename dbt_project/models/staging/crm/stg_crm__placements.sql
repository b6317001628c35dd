with source as (
    select * from {{ source('crm', 'placement') }}
),

renamed as (
    select
        id as placement_id,
        tenant_id,
        submission_id,
        consultant_id,
        requirement_id,
        bill_rate as bill_rate_usd,
        pay_rate as pay_rate_usd,
        start_date,
        end_date,
        deleted_at is not null as is_deleted,
        updated_at
    from source
)

select * from renamed
