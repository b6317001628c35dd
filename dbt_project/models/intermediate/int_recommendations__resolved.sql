-- Production recommendations with what happened to their (requirement, consultant) pair afterwards.
-- realized_outcome: 1 = placed; 0 = submission rejected/withdrawn, or the requirement was filled/closed without
-- this consultant; NULL = still open (excluded from calibration, never counted as a miss).
with recommendations as (
    select * from {{ ref('fct_recommendations') }}
    where is_production
),

submissions as (
    select * from {{ ref('fct_submissions') }}
    where is_submitted
),

requirements as (
    select requirement_id, requirement_status from {{ ref('stg_crm__requirements') }}
)

select
    r.recommendation_id,
    r.tenant_id,
    r.requirement_id,
    r.consultant_id,
    r.model_version,
    r.rank,
    r.is_top5,
    r.success_probability,
    r.is_reviewed,
    r.is_approved,
    r.shown_at,
    s.submission_id is not null as is_submitted,
    coalesce(s.is_interviewed, false) as is_interviewed,
    coalesce(s.is_placed, false) as is_placed,
    case
        when s.is_placed then 1
        when s.submission_status in ('rejected', 'withdrawn') then 0
        when q.requirement_status in ('filled', 'closed') then 0
    end as realized_outcome
from recommendations as r
left join submissions as s
    on s.tenant_id = r.tenant_id and s.requirement_id = r.requirement_id and s.consultant_id = r.consultant_id
left join requirements as q on q.requirement_id = r.requirement_id
