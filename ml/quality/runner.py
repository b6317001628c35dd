"""Validate a dataset against its suite with a file-backed Great Expectations context in the data folder, and
build Data Docs there (no cloud, no network).

The context lives at `<data_dir>/quality/<tenant>/gx`: suites, validation definitions and checkpoints are
(re)written from ml/quality/suites.py on every run, validation results accumulate, and the Data Docs site
(`gx/uncommitted/data_docs/local_site/index.html`) shows each run's page."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ml.quality.results import SAMPLE, ExpectationOutcome, SuiteValidation

DATA_DOCS_SITE = "local_site"
BATCH = "whole_frame"


def quality_dir(data_dir: Path, tenant_slug: str) -> Path:
    return data_dir / "quality" / tenant_slug


def _column(kwargs: dict) -> str:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}>={kwargs['column_B']}"
    return ",".join(map(str, kwargs.get("column_list", []))) or "table"


def _text(value) -> str:
    """A sampled value as text; a column pair's values side by side."""
    return " vs ".join(map(_text, value)) if isinstance(value, tuple | list) else str(value)


def _outcome(result) -> ExpectationOutcome:
    config = result.expectation_config
    found = result.result or {}
    sample = found.get("partial_unexpected_list") or []
    if not sample and "observed_value" in found:
        sample = [found["observed_value"]]
    return ExpectationOutcome(
        check=str((config.meta or {}).get("check", "")), expectation=config.type, column=_column(config.kwargs),
        success=bool(result.success), element_count=int(found.get("element_count") or 0),
        unexpected_count=int(found.get("unexpected_count") or 0),
        unexpected_percent=round(float(found.get("unexpected_percent") or 0.0), 4),
        sample=tuple(_text(v) for v in sample[:SAMPLE]),
    )


def _context(project_dir: Path):
    # No usage statistics leave the machine; set before Great Expectations is imported.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=project_dir)
    # Progress bars would print to the pipeline's console once per expectation.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate_frame(dataset: str, frame: pd.DataFrame, project_dir: Path) -> SuiteValidation:
    """Run `dataset`'s suite (ml.quality.suites.SUITES) over the frame through a checkpoint that updates Data Docs."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    from ml.quality.suites import SUITES

    context = _context(project_dir)
    # One pandas data source per dataset, replaced each run: the frame is handed over at run time.
    source = context.data_sources.add_or_update_pandas(name=f"benchcrm_{dataset}")
    batch = source.add_dataframe_asset(name=dataset).add_batch_definition_whole_dataframe(BATCH)
    suite = context.suites.add_or_update(SUITES[dataset]())
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=dataset, data=batch, suite=suite))
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=dataset, validation_definitions=[definition],
        actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE}))
    run = checkpoint.run(batch_parameters={"dataframe": frame})
    (identifier, result), = run.run_results.items()
    pages = context.get_docs_sites_urls(resource_identifier=identifier, site_name=DATA_DOCS_SITE)
    return SuiteValidation(
        suite=dataset, rows=len(frame), outcomes=tuple(_outcome(r) for r in result.results),
        data_docs_index=project_dir / "gx" / "uncommitted" / "data_docs" / DATA_DOCS_SITE / "index.html",
        validation_page=pages[0]["site_url"] if pages else None,
    )
