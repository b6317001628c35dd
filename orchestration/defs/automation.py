"""Jobs that span domains. `full_pipeline_job` is the main job: inbox → … → registered champion → marts, run for one
tenant partition (the dbt models in it build every tenant; ADR 0024). `tenant_pipeline_job` is the same lineage
without the shared dbt build: what many tenants' runs (a backfill, benchmarks/multi_tenant.py) run, with one
`refresh_marts_job` after them."""

import dagster as dg

full_pipeline_job = dg.define_asset_job(
    name="full_pipeline_job",
    # deleting data by policy is a schedule's job (retention_job), never a side effect of the main run
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("governance"),
    description="The whole lineage for one tenant in one run: ingest, parse, normalize, embed, features, train, "
    "calibrate, register, recommend, the marts and the tenant's export. `benchcrm demo` runs it for acme.",
)

tenant_pipeline_job = dg.define_asset_job(
    name="tenant_pipeline_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("governance", "marts"),
    description="One tenant's lineage from the inbox to its batch recommendations (no dbt build): for backfills "
    "over many tenants, followed by one refresh_marts_job.",
)
