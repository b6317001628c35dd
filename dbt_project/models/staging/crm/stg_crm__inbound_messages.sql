with source as (
    select * from {{ source('crm', 'inbound_message') }}
),

renamed as (
    -- The raw body is left behind on purpose: marts never need it and it can be large.
    select
        id as inbound_message_id,
        tenant_id,
        source as message_source,
        status as message_status,
        requirement_id,
        received_at
    from source
)

select * from renamed
