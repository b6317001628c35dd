-- Every tenant x grain x period from the tenant's first activity (or creation) to today (or its last planned
-- activity), so KPI tables are dense: a period (or a whole tenant) without activity shows zeros, it is never missing.
-- Activity outside the KPI window (macros/kpi_window.sql) does not stretch the spine: a tenant has at most
-- (today + kpi_future_months - kpi_earliest_date) worth of periods, whatever dates its rows hold.
with tenants as (
    select tenant_id, (created_at at time zone 'UTC')::date as created_on
    from {{ ref('stg_crm__tenants') }}
),

activity as (
    select tenant_id, (received_at at time zone 'UTC')::date as active_on from {{ ref('stg_crm__requirements') }}
    union all
    select tenant_id, (submitted_at at time zone 'UTC')::date from {{ ref('stg_crm__submissions') }}
    union all
    select tenant_id, (scheduled_at at time zone 'UTC')::date from {{ ref('stg_crm__interviews') }}
    union all
    select tenant_id, (offered_at at time zone 'UTC')::date from {{ ref('stg_crm__offers') }}
    union all
    select tenant_id, start_date from {{ ref('stg_crm__placements') }}
    union all
    select tenant_id, (shown_at at time zone 'UTC')::date from {{ ref('stg_crm__recommendations') }}
),

activity_in_window as (
    select tenant_id, active_on from activity where {{ in_kpi_window('active_on') }}
),

bounds as (
    select
        t.tenant_id,
        greatest(least(t.created_on, min(a.active_on)), {{ kpi_window_start() }}) as first_on,
        least(greatest(current_date, max(a.active_on)), {{ kpi_window_end() }}) as last_on
    from tenants as t
    left join activity_in_window as a on a.tenant_id = t.tenant_id
    group by t.tenant_id, t.created_on
),

grains as (
    select period_grain from (values ('day'), ('week'), ('month')) as g (period_grain)
)

select
    b.tenant_id,
    g.period_grain,
    p.period_start::date as period_start,
    (p.period_start + ('1 ' || g.period_grain)::interval)::date as period_end
from bounds as b
cross join grains as g
cross join lateral generate_series(
    date_trunc(g.period_grain, b.first_on::timestamp),
    date_trunc(g.period_grain, b.last_on::timestamp),
    ('1 ' || g.period_grain)::interval
) as p (period_start)
