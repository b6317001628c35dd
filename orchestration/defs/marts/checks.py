"""A data-quality check on what the KPI marts count: the submission funnel behind `stg_crm__submissions`, through
the `submission_funnel` Great Expectations suite (ml/quality/suites.py). It warns: the marts still build, and the
failing rows are in the check's metadata and its Data Docs page."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.resources import PostgresResource
from orchestration.lib.quality import check_result, validate
from warehouse.repositories import ingest_quality as quality

STAGED_SUBMISSIONS = dg.AssetKey(["staging", "stg_crm__submissions"])


@dg.asset_check(asset=STAGED_SUBMISSIONS,
                description="Submissions are closed and interviewed no earlier than they were submitted.")
def submission_funnel_is_consistent(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.tenant_tx() as conn:
        frame = quality.submission_funnel_frame(conn)
    return check_result(validate(postgres, "submission_funnel", frame), "submission_funnel_is_consistent",
                        severity=dg.AssetCheckSeverity.WARN)
