-- Every conversion rate in the KPI marts is a share of one set: it lies in [0, 1] or is NULL (no denominator).
with rates as (
    select 'kpi_tenant_period' as model, unnest(array[
        submission_to_interview_rate, interview_to_offer_rate, offer_to_placement_rate,
        submission_to_placement_rate, approval_rate, first_recommendation_on_time_rate, top5_hit_rate
    ]) as rate
    from {{ ref('kpi_tenant_period') }}
    union all
    select 'kpi_match_funnel_by_model', unnest(array[
        shown_to_approved_rate, approved_to_submitted_rate, submitted_to_interviewed_rate,
        interviewed_to_placed_rate, shown_to_placed_rate
    ])
    from {{ ref('kpi_match_funnel_by_model') }}
    union all
    select 'kpi_recruiter_productivity', unnest(array[placements_per_submission, approvals_per_review])
    from {{ ref('kpi_recruiter_productivity') }}
    union all
    select 'kpi_client_win_rate', unnest(array[win_rate, win_rate_when_submitted])
    from {{ ref('kpi_client_win_rate') }}
    union all
    select 'kpi_vendor_responsiveness', unnest(array[response_rate, interview_rate])
    from {{ ref('kpi_vendor_responsiveness') }}
)

select model, rate
from rates
where rate < 0 or rate > 1
