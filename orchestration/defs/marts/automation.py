"""Refresh the marts (dbt build, then the offline export) every hour."""

import dagster as dg

refresh_marts_job = dg.define_asset_job(
    "refresh_marts_job",
    selection=dg.AssetSelection.groups("marts"),
    description="dbt build of staging, intermediate and marts (tests as asset checks), then marts_export.",
)

refresh_marts_schedule = dg.ScheduleDefinition(
    name="refresh_marts_schedule",
    job=refresh_marts_job,
    cron_schedule="15 * * * *",
    execution_timezone="UTC",
)
