-- One row per live requirement: how fast the matcher answered, whether and how fast it was filled.
with requirements as (
    select * from {{ ref('stg_crm__requirements') }} where not is_deleted
),

first_recommendation as (
    select r.requirement_id, min(r.shown_at) as first_recommendation_at
    from {{ ref('stg_crm__recommendations') }} as r
    inner join {{ ref('stg_crm__match_runs') }} as m on m.match_run_id = r.match_run_id
    where m.is_production
    group by r.requirement_id
),

submissions as (
    select
        requirement_id,
        count(*) filter (where is_submitted) as submissions,
        min(submitted_at) as first_submitted_at,
        min(placed_on) as first_placed_on
    from {{ ref('fct_submissions') }}
    group by requirement_id
)

select
    q.requirement_id,
    q.tenant_id,
    q.title,
    q.client_company_id,
    q.vendor_company_id,
    q.recruiter_id,
    q.requirement_status::text as requirement_status,
    q.received_at,
    (q.received_at at time zone 'UTC')::date as received_on,
    f.first_recommendation_at,
    round((extract(epoch from f.first_recommendation_at - q.received_at) / 60)::numeric, 2)
        as minutes_to_first_recommendation,
    case when f.first_recommendation_at is not null
        then f.first_recommendation_at - q.received_at
            <= make_interval(mins => {{ var('first_recommendation_target_minutes') }})
    end as is_first_recommendation_on_time,
    coalesce(s.submissions, 0)::bigint as submissions,
    s.first_submitted_at,
    round((extract(epoch from s.first_submitted_at - q.received_at) / 3600)::numeric, 2) as hours_to_first_submission,
    s.first_placed_on is not null as is_filled,
    s.first_placed_on,
    (s.first_placed_on - (q.received_at at time zone 'UTC')::date)::integer as fill_days
from requirements as q
left join first_recommendation as f on f.requirement_id = q.requirement_id
left join submissions as s on s.requirement_id = q.requirement_id
