-- No tenant is dropped: each one has a row for the current day, week and month in kpi_tenant_period.
select t.tenant_id, g.period_grain
from {{ ref('dim_tenants') }} as t
cross join (values ('day'), ('week'), ('month')) as g (period_grain)
where not exists (
    select 1 from {{ ref('kpi_tenant_period') }} as k
    where k.tenant_id = t.tenant_id and k.period_grain = g.period_grain
      and k.period_start = date_trunc(g.period_grain, current_date::timestamp)::date
)
