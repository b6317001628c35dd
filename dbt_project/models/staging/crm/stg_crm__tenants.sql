with source as (
    select * from {{ source('crm', 'tenant') }}
),

renamed as (
    select
        id as tenant_id,
        slug as tenant_slug,
        name as tenant_name,
        created_at
    from source
)

select * from renamed
