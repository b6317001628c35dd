"""Refresh the marts (dbt build) every hour. The dbt models serve every tenant in one build (tenant-scoped by
tenant_id), so this job is not partitioned; each tenant's `marts_export` runs in that tenant's main-job run."""

import dagster as dg

refresh_marts_job = dg.define_asset_job(
    "refresh_marts_job",
    selection=dg.AssetSelection.groups("marts") - dg.AssetSelection.assets("marts_export"),
    description="dbt build of staging, intermediate and marts for every tenant (tests as asset checks).",
)

refresh_marts_schedule = dg.ScheduleDefinition(
    name="refresh_marts_schedule",
    job=refresh_marts_job,
    cron_schedule="15 * * * *",
    execution_timezone="UTC",
)
