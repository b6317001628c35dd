with source as (
    select * from {{ source('crm', 'app_user') }}
),

renamed as (
    select
        id as user_id,
        tenant_id,
        full_name,
        email,
        role_name,
        is_service_account,
        created_at
    from source
)

select * from renamed
