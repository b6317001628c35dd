-- All-time productivity per recruiter; every recruiter appears (zeros when idle).
with recruiters as (
    select * from {{ ref('dim_recruiters') }}
),

submissions as (
    select
        recruiter_id,
        count(*) filter (where is_submitted) as submissions,
        count(*) filter (where is_interviewed) as interviewed_submissions,
        count(*) filter (where is_placed) as placements
    from {{ ref('fct_submissions') }}
    group by recruiter_id
),

reviews as (
    select
        decided_by as recruiter_id,
        count(*) as recommendations_reviewed,
        count(*) filter (where is_approved) as recommendations_approved
    from {{ ref('fct_recommendations') }}
    where is_production and is_reviewed
    group by decided_by
),

money as (
    select recruiter_id, sum(revenue_usd) as revenue_usd, sum(margin_usd) as margin_usd
    from {{ ref('fct_placements') }}
    group by recruiter_id
)

select
    r.tenant_id,
    r.recruiter_id,
    r.full_name,
    coalesce(s.submissions, 0)::bigint as submissions,
    coalesce(s.interviewed_submissions, 0)::bigint as interviewed_submissions,
    coalesce(s.placements, 0)::bigint as placements,
    round({{ safe_divide('s.placements', 's.submissions') }}, 4) as placements_per_submission,
    coalesce(v.recommendations_reviewed, 0)::bigint as recommendations_reviewed,
    coalesce(v.recommendations_approved, 0)::bigint as recommendations_approved,
    round({{ safe_divide('v.recommendations_approved', 'v.recommendations_reviewed') }}, 4) as approvals_per_review,
    coalesce(m.revenue_usd, 0)::numeric as revenue_usd,
    coalesce(m.margin_usd, 0)::numeric as margin_usd
from recruiters as r
left join submissions as s on s.recruiter_id = r.recruiter_id
left join reviews as v on v.recruiter_id = r.recruiter_id
left join money as m on m.recruiter_id = r.recruiter_id
