-- The dashboard table: one row per tenant x grain x period, dense (zeros for quiet periods and empty tenants).
-- Counts are events dated in the period; conversion rates and times in stage follow the cohort of submissions
-- SENT in the period (so each rate is a share of one set and can never exceed 1).
with spine as (
    select * from {{ ref('int_tenant_periods__spined') }}
),

grains as (
    select period_grain from (values ('day'), ('week'), ('month')) as g (period_grain)
),

events as (
    select
        e.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, e.occurred_on::timestamp)::date as period_start,
        count(*) filter (where e.event_type = 'requirement_ingested') as requirements_ingested,
        count(*) filter (where e.event_type = 'submitted') as submissions,
        count(*) filter (where e.event_type = 'interviewed') as interviews,
        count(*) filter (where e.event_type = 'offered') as offers,
        count(*) filter (where e.event_type = 'placed') as placements
    from {{ ref('fct_submission_events') }} as e
    cross join grains as g
    where not e.is_deleted
    group by 1, 2, 3
),

cohorts as (
    select
        s.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, s.submitted_on::timestamp)::date as period_start,
        count(*) as cohort_submissions,
        count(*) filter (where s.is_interviewed) as cohort_interviewed,
        count(*) filter (where s.is_interviewed and s.is_offered) as cohort_interviewed_offered,
        count(*) filter (where s.is_offered) as cohort_offered,
        count(*) filter (where s.is_offered and s.is_placed) as cohort_offered_placed,
        count(*) filter (where s.is_placed) as cohort_placed,
        percentile_cont(0.5) within group (order by s.days_submitted_to_interview) as median_days_submitted_to_interview,
        percentile_cont(0.5) within group (order by s.days_interview_to_offer) as median_days_interview_to_offer,
        percentile_cont(0.5) within group (order by s.days_offer_to_placement) as median_days_offer_to_placement,
        count(*) filter (where s.is_advanced and s.had_prior_recommendations) as top5_eligible_submissions,
        count(*) filter (where s.is_advanced and s.had_prior_recommendations and s.was_top5_recommended) as top5_hits
    from {{ ref('fct_submissions') }} as s
    cross join grains as g
    where s.is_submitted
    group by 1, 2, 3
),

recommendations as (
    select
        r.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, r.shown_on::timestamp)::date as period_start,
        count(*) as recommendations_shown,
        count(*) filter (where r.is_reviewed) as recommendations_reviewed,
        count(*) filter (where r.is_approved) as recommendations_approved
    from {{ ref('fct_recommendations') }} as r
    cross join grains as g
    where r.is_production
    group by 1, 2, 3
),

requirements as (
    select
        q.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, q.received_on::timestamp)::date as period_start,
        count(*) as requirements_received,
        count(q.first_recommendation_at) as requirements_recommended,
        count(*) filter (where q.is_first_recommendation_on_time) as requirements_recommended_on_time,
        percentile_cont(0.5) within group (order by q.minutes_to_first_recommendation)
            as median_minutes_to_first_recommendation
    from {{ ref('fct_requirements') }} as q
    cross join grains as g
    group by 1, 2, 3
),

money as (
    select
        p.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, p.start_date::timestamp)::date as period_start,
        count(*) filter (where not p.has_missing_rate) as placements_with_rates,
        count(*) filter (where p.has_missing_rate) as placements_missing_rate,
        sum(p.revenue_usd) as revenue_usd,
        sum(p.margin_usd) as margin_usd,
        sum(p.bench_cost_usd) as bench_cost_usd
    from {{ ref('fct_placements') }} as p
    cross join grains as g
    group by 1, 2, 3
),

calibration as (
    select
        c.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, (c.shown_at at time zone 'UTC')::date::timestamp)::date as period_start,
        count(*) as calibration_predictions,
        avg(power(c.success_probability - c.realized_outcome, 2)) as brier_score
    from {{ ref('int_recommendations__resolved') }} as c
    cross join grains as g
    where c.realized_outcome is not null and c.success_probability is not null
    group by 1, 2, 3
)

select
    sp.tenant_id,
    sp.period_grain::text as period_grain,
    sp.period_start,
    sp.period_end,
    coalesce(e.requirements_ingested, 0)::bigint as requirements_ingested,
    coalesce(e.submissions, 0)::bigint as submissions,
    coalesce(e.interviews, 0)::bigint as interviews,
    coalesce(e.offers, 0)::bigint as offers,
    coalesce(e.placements, 0)::bigint as placements,
    coalesce(c.cohort_submissions, 0)::bigint as cohort_submissions,
    round({{ safe_divide('c.cohort_interviewed', 'c.cohort_submissions') }}, 4) as submission_to_interview_rate,
    round({{ safe_divide('c.cohort_interviewed_offered', 'c.cohort_interviewed') }}, 4) as interview_to_offer_rate,
    round({{ safe_divide('c.cohort_offered_placed', 'c.cohort_offered') }}, 4) as offer_to_placement_rate,
    round({{ safe_divide('c.cohort_placed', 'c.cohort_submissions') }}, 4) as submission_to_placement_rate,
    round(c.median_days_submitted_to_interview::numeric, 4) as median_days_submitted_to_interview,
    round(c.median_days_interview_to_offer::numeric, 4) as median_days_interview_to_offer,
    round(c.median_days_offer_to_placement::numeric, 4) as median_days_offer_to_placement,
    coalesce(r.recommendations_shown, 0)::bigint as recommendations_shown,
    coalesce(r.recommendations_reviewed, 0)::bigint as recommendations_reviewed,
    coalesce(r.recommendations_approved, 0)::bigint as recommendations_approved,
    round({{ safe_divide('r.recommendations_approved', 'r.recommendations_reviewed') }}, 4) as approval_rate,
    coalesce(q.requirements_recommended, 0)::bigint as requirements_recommended,
    round(q.median_minutes_to_first_recommendation::numeric, 2) as median_minutes_to_first_recommendation,
    round({{ safe_divide('q.requirements_recommended_on_time', 'q.requirements_received') }}, 4)
        as first_recommendation_on_time_rate,
    coalesce(c.top5_eligible_submissions, 0)::bigint as top5_eligible_submissions,
    coalesce(c.top5_hits, 0)::bigint as top5_hits,
    round({{ safe_divide('c.top5_hits', 'c.top5_eligible_submissions') }}, 4) as top5_hit_rate,
    coalesce(m.placements_with_rates, 0)::bigint as placements_with_rates,
    coalesce(m.placements_missing_rate, 0)::bigint as placements_missing_rate,
    coalesce(m.revenue_usd, 0)::numeric as revenue_usd,
    coalesce(m.margin_usd, 0)::numeric as margin_usd,
    coalesce(m.bench_cost_usd, 0)::numeric as bench_cost_usd,
    coalesce(k.calibration_predictions, 0)::bigint as calibration_predictions,
    round(k.brier_score::numeric, 4) as brier_score
from spine as sp
left join events as e using (tenant_id, period_grain, period_start)
left join cohorts as c using (tenant_id, period_grain, period_start)
left join recommendations as r using (tenant_id, period_grain, period_start)
left join requirements as q using (tenant_id, period_grain, period_start)
left join money as m using (tenant_id, period_grain, period_start)
left join calibration as k using (tenant_id, period_grain, period_start)
