"""A data-quality check on what the KPI marts count: the submission funnel behind `stg_crm__submissions`, through
the `submission_funnel` Great Expectations suite (ml/quality/suites.py), per tenant. It warns: the marts still
build, and the failing rows are in the check's metadata and its Data Docs page.

The dbt models are not partitioned (one `dbt build` serves every tenant; the marts are tenant-scoped by tenant_id):
in a tenant's run (the main job for a partition) the check validates that tenant, in an unpartitioned run (the
hourly marts refresh) every tenant, and fails if any tenant fails."""

# No `from __future__ import annotations`: Dagster inspects the context annotation at definition time.

import dagster as dg

from orchestration.defs.resources import PostgresResource, tenant_database
from orchestration.lib.quality import check_metadata, validate
from warehouse.repositories import ingest_quality as quality

STAGED_SUBMISSIONS = dg.AssetKey(["staging", "stg_crm__submissions"])
CHECK = "submission_funnel_is_consistent"


@dg.asset_check(asset=STAGED_SUBMISSIONS,
                description="Submissions are closed and interviewed no earlier than they were submitted.")
def submission_funnel_is_consistent(context: dg.AssetCheckExecutionContext,
                                    postgres: PostgresResource) -> dg.AssetCheckResult:
    from warehouse.placement import all_tenant_slugs

    if context.has_partition_key:
        tenants = [tenant_database(context, postgres)]
    else:
        tenants = [postgres.for_tenant(slug) for slug in all_tenant_slugs(postgres._settings())]
    metadata: dict = {}
    failing: dict[str, dict[str, int]] = {}
    for db in tenants:
        with db.tenant_tx() as conn:
            frame = quality.submission_funnel_frame(conn)
        validation = validate(db, "submission_funnel", frame)
        verdict = validation.verdict(CHECK)
        if not verdict.passed:
            failing[db.tenant_slug] = verdict.unexpected_counts()
        if len(tenants) == 1:  # one tenant's run: that validation's figures and Data Docs page
            metadata = check_metadata(validation, CHECK)
    return dg.AssetCheckResult(
        check_name=CHECK, passed=not failing, severity=dg.AssetCheckSeverity.WARN,
        metadata={**metadata, "tenants_validated": len(tenants), "tenants_failing": ", ".join(sorted(failing)) or "none",
                  "unexpected_counts_by_tenant": dg.MetadataValue.json(failing)})
