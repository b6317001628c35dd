"""Personal-data governance: the nightly retention sweep (logic in warehouse.retention)."""

import dagster as dg

from orchestration.defs.resources import PostgresResource


@dg.asset(group_name="governance", kinds={"postgres"},
          description="Deletes, per tenant and its retention policy, raw emails, never-placed consultants' records "
                      "and quarantined inputs older than their period; one crm.retention_run row per batch.")
def retention_sweep(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    from warehouse.retention import apply_retention_everywhere

    batches = [batch for admin, app in postgres.server_engines()  # every placement server's tenants
               for batch in apply_retention_everywhere(admin, app, run_id=context.run.run_id)]
    by_kind: dict[str, int] = {}
    for batch in batches:
        by_kind[batch.kind] = by_kind.get(batch.kind, 0) + batch.deleted
    return dg.MaterializeResult(metadata={
        "tenants": len({b.tenant_id for b in batches}),
        **{f"deleted_{kind}": dg.MetadataValue.int(n) for kind, n in sorted(by_kind.items())}})


retention_job = dg.define_asset_job("retention_job", selection=dg.AssetSelection.groups("governance"),
                                    description="The retention sweep over every tenant.")

retention_schedule = dg.ScheduleDefinition(name="retention_schedule", job=retention_job, cron_schedule="30 3 * * *",
                                           execution_timezone="UTC")
