"""Great Expectations results as Dagster asset check results: one validation of a dataset's suite decides every
check its expectations name (ml/quality/suites.py), each with the validation's figures and its Data Docs page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import dagster as dg

if TYPE_CHECKING:
    import pandas as pd

    from ml.quality.results import SuiteValidation
    from warehouse.settings import Settings


class TenantScoped(Protocol):
    """What a validation needs of the run's tenant (orchestration.defs.resources.TenantDatabase; defs sits above
    this module)."""

    tenant_slug: str

    def _settings(self) -> Settings: ...


def validate(postgres: TenantScoped, dataset: str, frame: pd.DataFrame) -> SuiteValidation:
    """The dataset's suite over the frame, in the tenant's Great Expectations folder of the data folder."""
    from ml.quality.runner import quality_dir, validate_frame

    return validate_frame(dataset, frame, quality_dir(postgres._settings().data_dir, postgres.tenant_slug))


def _failed_table(validation: SuiteValidation, check: str) -> str:
    failed = validation.verdict(check).failed
    if not failed:
        return "none"
    lines = ["| expectation | column | unexpected | unexpected % | sample |", "|---|---|---|---|---|"]
    lines += [f"| {o.expectation} | {o.column} | {o.unexpected_count} | {o.unexpected_percent:.2f} | "
              f"{', '.join(o.sample).replace('|', '/')} |" for o in failed]
    return "\n".join(lines)


def check_metadata(validation: SuiteValidation, check: str) -> dict[str, Any]:
    verdict = validation.verdict(check)
    passed = sum(o.success for o in verdict.outcomes)
    metadata: dict[str, Any] = {
        "suite": validation.suite, "rows_validated": validation.rows,
        "expectations_passed": f"{passed}/{len(verdict.outcomes)}",
        "success_percent": round(verdict.success_percent, 2),
        "suite_success_percent": round(validation.success_percent, 2),
        "failed_expectations": dg.MetadataValue.md(_failed_table(validation, check)),
        "unexpected_counts": dg.MetadataValue.json(verdict.unexpected_counts()),
        "data_docs": dg.MetadataValue.path(str(validation.data_docs_index)),
    }
    if validation.validation_page:
        metadata["validation_result"] = dg.MetadataValue.url(validation.validation_page)
    return metadata


def check_result(validation: SuiteValidation, check: str, *, asset_key: dg.AssetKey | None = None,
                 severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
                 metadata: dict[str, Any] | None = None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=check, asset_key=asset_key, passed=validation.verdict(check).passed, severity=severity,
        metadata={**check_metadata(validation, check), **(metadata or {})})


def check_results(validation: SuiteValidation, specs: list[dg.AssetCheckSpec],
                  warn: frozenset[str] = frozenset()) -> Iterator[dg.AssetCheckResult]:
    """One result per spec (a multi-asset check); checks named in `warn` report with WARN severity."""
    for spec in specs:
        yield check_result(validation, spec.name, asset_key=spec.asset_key,
                           severity=dg.AssetCheckSeverity.WARN if spec.name in warn else dg.AssetCheckSeverity.ERROR)
