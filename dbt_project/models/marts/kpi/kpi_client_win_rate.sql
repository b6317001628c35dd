-- Per end client: how many of its requirements we filled. Every client company appears (zeros when none).
with clients as (
    select * from {{ ref('dim_companies') }} where company_kind = 'client'
),

requirements as (
    select
        client_company_id,
        count(*) as requirements_received,
        count(*) filter (where submissions > 0) as requirements_submitted,
        count(*) filter (where is_filled) as requirements_won,
        percentile_cont(0.5) within group (order by fill_days) as median_fill_days
    from {{ ref('fct_requirements') }}
    group by client_company_id
),

placements as (
    select client_company_id, count(*) as placements
    from {{ ref('fct_placements') }}
    group by client_company_id
)

select
    c.tenant_id,
    c.company_id as client_company_id,
    c.company_name as client_name,
    coalesce(q.requirements_received, 0)::bigint as requirements_received,
    coalesce(q.requirements_submitted, 0)::bigint as requirements_submitted,
    coalesce(q.requirements_won, 0)::bigint as requirements_won,
    coalesce(p.placements, 0)::bigint as placements,
    round({{ safe_divide('q.requirements_won', 'q.requirements_received') }}, 4) as win_rate,
    round({{ safe_divide('q.requirements_won', 'q.requirements_submitted') }}, 4) as win_rate_when_submitted,
    round(q.median_fill_days::numeric, 2) as median_fill_days
from clients as c
left join requirements as q on q.client_company_id = c.company_id
left join placements as p on p.client_company_id = c.company_id
