-- Per vendor (vendor, prime vendor, MSP): how often and how fast it reacts to our submissions. Most submissions
-- die silently, so "no response" is the common case and is what response_rate measures.
with vendors as (
    select * from {{ ref('dim_companies') }} where company_kind in ('vendor', 'prime_vendor', 'msp')
),

requirements as (
    select vendor_company_id, count(*) as requirements_received
    from {{ ref('fct_requirements') }}
    group by vendor_company_id
),

submissions as (
    select
        vendor_company_id,
        count(*) as submissions,
        count(first_response_at) as submissions_with_response,
        count(*) filter (where is_interviewed) as submissions_interviewed,
        count(*) filter (where is_placed) as placements,
        percentile_cont(0.5) within group (
            order by extract(epoch from first_response_at - submitted_at) / 3600
        ) as median_hours_to_first_response
    from {{ ref('fct_submissions') }}
    where is_submitted
    group by vendor_company_id
)

select
    v.tenant_id,
    v.company_id as vendor_company_id,
    v.company_name as vendor_name,
    v.company_kind::text as vendor_kind,
    coalesce(q.requirements_received, 0)::bigint as requirements_received,
    coalesce(s.submissions, 0)::bigint as submissions,
    coalesce(s.submissions_with_response, 0)::bigint as submissions_with_response,
    coalesce(s.submissions_interviewed, 0)::bigint as submissions_interviewed,
    coalesce(s.placements, 0)::bigint as placements,
    round({{ safe_divide('s.submissions_with_response', 's.submissions') }}, 4) as response_rate,
    round({{ safe_divide('s.submissions_interviewed', 's.submissions') }}, 4) as interview_rate,
    round(s.median_hours_to_first_response::numeric, 2) as median_hours_to_first_response
from vendors as v
left join requirements as q on q.vendor_company_id = v.company_id
left join submissions as s on s.vendor_company_id = v.company_id
