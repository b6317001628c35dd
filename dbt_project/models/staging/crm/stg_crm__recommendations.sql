with source as (
    select * from {{ source('crm', 'recommendation') }}
),

renamed as (
    select
        id as recommendation_id,
        tenant_id,
        match_run_id,
        requirement_id,
        consultant_id,
        rank,
        match_score,
        success_probability,
        model_version,
        decision,
        decided_by,
        decided_at,
        created_at as shown_at
    from source
)

select * from renamed
