with source as (
    select * from {{ source('crm', 'match_run') }}
),

renamed as (
    select
        id as match_run_id,
        tenant_id,
        kind as match_run_kind,
        -- Evaluation runs are offline experiments; only API and batch runs were shown to recruiters.
        kind in ('api', 'batch') as is_production,
        direction,
        model_version,
        started_at,
        finished_at
    from source
)

select * from renamed
