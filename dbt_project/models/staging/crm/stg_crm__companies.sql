with source as (
    select * from {{ source('crm', 'company') }}
),

renamed as (
    select
        id as company_id,
        tenant_id,
        name as company_name,
        kind as company_kind,
        industry,
        deleted_at is not null as is_deleted,
        created_at
    from source
)

select * from renamed
