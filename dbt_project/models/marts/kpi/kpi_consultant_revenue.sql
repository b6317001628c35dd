-- Per consultant: what their placements earn and what their bench time cost. Every live consultant appears.
with consultants as (
    select * from {{ ref('stg_crm__consultants') }} where not is_deleted
),

placements as (
    select
        consultant_id,
        count(*) as placements,
        count(*) filter (where has_missing_rate) as placements_missing_rate,
        sum(revenue_usd) as revenue_usd,
        sum(margin_usd) as margin_usd,
        sum(bench_days) as bench_days_before_placements,
        sum(bench_cost_usd) as bench_cost_usd
    from {{ ref('fct_placements') }}
    group by consultant_id
)

select
    c.tenant_id,
    c.consultant_id,
    c.full_name,
    c.consultant_status::text as consultant_status,
    coalesce(p.placements, 0)::bigint as placements,
    coalesce(p.placements_missing_rate, 0)::bigint as placements_missing_rate,
    coalesce(p.revenue_usd, 0)::numeric as revenue_usd,
    coalesce(p.margin_usd, 0)::numeric as margin_usd,
    p.bench_days_before_placements::bigint as bench_days_before_placements,
    coalesce(p.bench_cost_usd, 0)::numeric as bench_cost_usd,
    case when c.consultant_status in ('bench', 'marketing')
        then (current_date - coalesce(c.bench_since, c.available_from))::integer end as current_bench_days
from consultants as c
left join placements as p on p.consultant_id = c.consultant_id
