-- Pipeline throughput per recruiter, client and vendor per day/week/month. Sparse on purpose: a row exists only
-- where the entity had at least one event in the period (the dense tenant-level zeros are in kpi_tenant_period).
with grains as (
    select period_grain from (values ('day'), ('week'), ('month')) as g (period_grain)
),

events as (
    select * from {{ ref('fct_submission_events') }}
    where not is_deleted and {{ in_kpi_window('occurred_on') }}  -- a 9999 date makes no period row
),

by_dimension as (
    select tenant_id, 'recruiter' as dimension, recruiter_id as dimension_id, event_type, occurred_on
    from events where recruiter_id is not null
    union all
    select tenant_id, 'client', client_company_id, event_type, occurred_on
    from events where client_company_id is not null
    union all
    select tenant_id, 'vendor', vendor_company_id, event_type, occurred_on
    from events where vendor_company_id is not null
),

counted as (
    select
        d.tenant_id,
        g.period_grain,
        date_trunc(g.period_grain, d.occurred_on::timestamp)::date as period_start,
        d.dimension,
        d.dimension_id,
        count(*) filter (where d.event_type = 'requirement_ingested') as requirements_ingested,
        count(*) filter (where d.event_type = 'submitted') as submissions,
        count(*) filter (where d.event_type = 'interviewed') as interviews,
        count(*) filter (where d.event_type = 'offered') as offers,
        count(*) filter (where d.event_type = 'placed') as placements
    from by_dimension as d
    cross join grains as g
    group by 1, 2, 3, 4, 5
)

select
    c.tenant_id,
    c.period_grain::text as period_grain,
    c.period_start,
    c.dimension::text as dimension,
    c.dimension_id,
    coalesce(r.full_name, co.company_name) as dimension_name,
    c.requirements_ingested::bigint as requirements_ingested,
    c.submissions::bigint as submissions,
    c.interviews::bigint as interviews,
    c.offers::bigint as offers,
    c.placements::bigint as placements
from counted as c
left join {{ ref('dim_recruiters') }} as r on c.dimension = 'recruiter' and r.recruiter_id = c.dimension_id
left join {{ ref('dim_companies') }} as co on c.dimension <> 'recruiter' and co.company_id = c.dimension_id
