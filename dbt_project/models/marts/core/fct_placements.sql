-- Money per placement. A missing bill or pay rate makes the money columns NULL ("rate not recorded"), never 0:
-- sums in KPI tables skip them and count them in placements_missing_rate instead.
with placements as (
    select * from {{ ref('stg_crm__placements') }} where not is_deleted
),

submissions as (
    select * from {{ ref('stg_crm__submissions') }}
),

requirements as (
    select * from {{ ref('stg_crm__requirements') }}
),

consultants as (
    select * from {{ ref('stg_crm__consultants') }}
),

joined as (
    select
        p.placement_id,
        p.tenant_id,
        p.submission_id,
        p.consultant_id,
        p.requirement_id,
        s.recruiter_id,
        r.client_company_id,
        coalesce(s.vendor_company_id, r.vendor_company_id) as vendor_company_id,
        p.start_date,
        p.end_date,
        p.bill_rate_usd,
        p.pay_rate_usd,
        -- contract length: worked days when the end is known, else the requirement's stated duration
        coalesce(
            {{ weekdays_between('p.start_date', 'p.end_date + 1') }} * {{ var('hours_per_day') }}::numeric,
            r.duration_months * 2080 / 12.0
        ) as contract_hours,
        case when coalesce(c.bench_since, c.available_from) <= p.start_date
            then coalesce(c.bench_since, c.available_from) end as bench_start_date,
        c.hourly_rate_usd as consultant_hourly_rate_usd
    from placements as p
    inner join submissions as s on s.submission_id = p.submission_id
    inner join requirements as r on r.requirement_id = p.requirement_id
    inner join consultants as c on c.consultant_id = p.consultant_id
)

select
    placement_id,
    tenant_id,
    submission_id,
    consultant_id,
    requirement_id,
    recruiter_id,
    client_company_id,
    vendor_company_id,
    start_date,
    end_date,
    bill_rate_usd::numeric as bill_rate_usd,
    pay_rate_usd::numeric as pay_rate_usd,
    (bill_rate_usd is null or pay_rate_usd is null) as has_missing_rate,
    (bill_rate_usd - pay_rate_usd)::numeric as spread_per_hour_usd,
    round({{ safe_divide('bill_rate_usd', 'pay_rate_usd') }} - 1, 4) as markup_ratio,
    round(contract_hours, 2) as contract_hours,
    round(bill_rate_usd * contract_hours, 2) as revenue_usd,
    round((bill_rate_usd - pay_rate_usd) * contract_hours, 2) as margin_usd,
    bench_start_date,
    (start_date - bench_start_date)::integer as bench_days,
    round(
        {{ weekdays_between('bench_start_date', 'start_date') }} * {{ var('hours_per_day') }}
        * consultant_hourly_rate_usd, 2
    ) as bench_cost_usd
from joined
