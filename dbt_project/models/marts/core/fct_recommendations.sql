{{
    config(
        materialized='incremental',
        unique_key='recommendation_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
-- Recommendations are append-mostly; the only later change is the recruiter's decision, so the watermark is
-- greatest(shown_at, decided_at) with a lookback for late commits.
with recommendations as (
    select * from {{ ref('stg_crm__recommendations') }}
),

runs as (
    select * from {{ ref('stg_crm__match_runs') }}
)

select
    r.recommendation_id,
    r.tenant_id,
    r.match_run_id,
    m.match_run_kind,
    m.is_production,
    r.requirement_id,
    r.consultant_id,
    r.model_version,
    r.rank,
    r.rank <= 5 as is_top5,
    r.match_score,
    r.success_probability,
    r.decision,
    r.decision is not null as is_reviewed,
    coalesce(r.decision = 'approved', false) as is_approved,
    r.decided_by,
    r.decided_at,
    r.shown_at,
    (r.shown_at at time zone 'UTC')::date as shown_on,
    greatest(r.shown_at, r.decided_at) as changed_at
from recommendations as r
inner join runs as m on m.match_run_id = r.match_run_id
{% if is_incremental() %}
where greatest(r.shown_at, r.decided_at) >= (
    select coalesce(max(changed_at), '-infinity'::timestamptz) - interval '{{ var("incremental_lookback_hours", 72) }} hours'
    from {{ this }}
)
{% endif %}
