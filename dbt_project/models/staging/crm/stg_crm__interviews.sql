with source as (
    select * from {{ source('crm', 'interview') }}
),

renamed as (
    select
        id as interview_id,
        tenant_id,
        submission_id,
        round as interview_round,
        scheduled_at,
        outcome as interview_outcome,
        deleted_at is not null as is_deleted,
        updated_at
    from source
)

select * from renamed
