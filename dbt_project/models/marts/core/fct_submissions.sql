-- One row per live submission with the timestamp each stage was reached, for conversion and time-in-stage KPIs.
with submissions as (
    select * from {{ ref('stg_crm__submissions') }} where not is_deleted
),

requirements as (
    select * from {{ ref('stg_crm__requirements') }}
),

interviews as (
    select submission_id, min(scheduled_at) as first_interview_at
    from {{ ref('stg_crm__interviews') }}
    where not is_deleted and interview_outcome <> 'cancelled'
    group by submission_id
),

offers as (
    select submission_id, offered_at from {{ ref('stg_crm__offers') }} where not is_deleted
),

placements as (
    select submission_id, start_date from {{ ref('stg_crm__placements') }} where not is_deleted
),

production_recommendations as (
    select r.requirement_id, r.consultant_id, r.rank, r.shown_at
    from {{ ref('stg_crm__recommendations') }} as r
    inner join {{ ref('stg_crm__match_runs') }} as m on m.match_run_id = r.match_run_id
    where m.is_production
),

-- first moments that matter for the Top-5 KPI, aggregated once (a correlated lookup per submission is quadratic)
first_recommendation as (
    select requirement_id, min(shown_at) as first_recommendation_at
    from production_recommendations
    group by requirement_id
),

first_top5 as (
    select requirement_id, consultant_id, min(shown_at) as first_top5_at
    from production_recommendations
    where rank <= 5
    group by requirement_id, consultant_id
),

staged as (
    select
        s.submission_id,
        s.tenant_id,
        s.requirement_id,
        s.consultant_id,
        s.recruiter_id,
        coalesce(s.vendor_company_id, r.vendor_company_id) as vendor_company_id,
        r.client_company_id,
        s.recommendation_id,
        s.submission_status,
        s.submitted_at is not null as is_submitted,
        s.submitted_at,
        (s.submitted_at at time zone 'UTC')::date as submitted_on,
        i.first_interview_at,
        o.offered_at,
        p.start_date as placed_on,
        s.closed_at,
        coalesce(s.submitted_at, s.created_at) as entered_pipeline_at,
        fr.first_recommendation_at,
        ft.first_top5_at
    from submissions as s
    inner join requirements as r on r.requirement_id = s.requirement_id
    left join first_recommendation as fr on fr.requirement_id = s.requirement_id
    left join first_top5 as ft on ft.requirement_id = s.requirement_id and ft.consultant_id = s.consultant_id
    left join interviews as i on i.submission_id = s.submission_id
    left join offers as o on o.submission_id = s.submission_id
    left join placements as p on p.submission_id = s.submission_id
)

select
    st.submission_id,
    st.tenant_id,
    st.requirement_id,
    st.consultant_id,
    st.recruiter_id,
    st.vendor_company_id,
    st.client_company_id,
    st.recommendation_id,
    st.submission_status::text as submission_status,
    st.is_submitted,
    st.submitted_at,
    st.submitted_on,
    st.first_interview_at,
    st.offered_at,
    st.placed_on,
    st.first_interview_at is not null as is_interviewed,
    st.offered_at is not null as is_offered,
    st.placed_on is not null as is_placed,
    (st.first_interview_at is not null or st.offered_at is not null or st.placed_on is not null) as is_advanced,
    -- the vendor's first sign of life: an interview, an offer, a placement or a closing (rejection/withdrawal)
    least(st.first_interview_at, st.offered_at, st.placed_on::timestamp at time zone 'UTC', st.closed_at)
        as first_response_at,
    round((extract(epoch from st.first_interview_at - st.submitted_at) / 86400)::numeric, 4)
        as days_submitted_to_interview,
    round((extract(epoch from st.offered_at - st.first_interview_at) / 86400)::numeric, 4)
        as days_interview_to_offer,
    round((extract(epoch from (st.placed_on::timestamp at time zone 'UTC') - st.offered_at) / 86400)::numeric, 4)
        as days_offer_to_placement,
    coalesce(st.first_recommendation_at <= st.entered_pipeline_at, false) as had_prior_recommendations,
    coalesce(st.first_top5_at <= st.entered_pipeline_at, false) as was_top5_recommended
from staged as st
