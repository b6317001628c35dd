"""Jobs that span domains. `full_pipeline_job` is the main job: inbox → … → registered champion → marts."""

import dagster as dg

full_pipeline_job = dg.define_asset_job(
    name="full_pipeline_job",
    # deleting data by policy is a schedule's job (retention_job), never a side effect of the main run
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("governance"),
    description="The whole lineage in one run: ingest, parse, normalize, embed, features, train, calibrate, "
    "register, recommend, marts and exports. `benchcrm demo` runs it.",
)
