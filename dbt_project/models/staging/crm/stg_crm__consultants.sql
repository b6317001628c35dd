with source as (
    select * from {{ source('crm', 'consultant') }}
),

renamed as (
    select
        id as consultant_id,
        tenant_id,
        full_name,
        title,
        status as consultant_status,
        hourly_rate as hourly_rate_usd,
        available_from,
        bench_since,
        recruiter_id,
        deleted_at is not null as is_deleted,
        created_at,
        updated_at
    from source
)

select * from renamed
