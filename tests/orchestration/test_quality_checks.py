"""The data-quality asset checks run Great Expectations suites on a small tenant: each result carries the
validation (success %, failed expectations, unexpected counts, its Data Docs page), a broken dataset fails the
blocking check and keeps downstream assets from running, and the non-blocking funnel check can fail too."""

from __future__ import annotations

import uuid
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
import sqlalchemy as sa

from orchestration.defs.ingest import assets as a
from orchestration.defs.ingest import checks as c
from orchestration.defs.ingest.resources import EmbedderResource, InboxResource
from orchestration.defs.marts.checks import submission_funnel_is_consistent
from orchestration.defs.resources import PostgresResource
from orchestration.lib.partitions import materialize_for_tenant

GE_CHECKS = {"parsed_requirements:requirements_have_title_and_skills", "parsed_requirements:rates_in_plausible_range",
             "parsed_requirements:duplicate_rate_below_5pct", "consultant_profiles:consultant_rates_in_plausible_range"}


class _NoTextEmbedder:
    """The inbox is empty in these tests: nothing is embedded, only the model name is read."""

    model_name, dims = "unused-384", 384

    def encode(self, texts) -> np.ndarray:
        raise AssertionError(f"nothing should be embedded here, got {len(texts)} texts")


class _NoTextEmbedderResource(EmbedderResource):
    def encoder(self) -> _NoTextEmbedder:
        return _NoTextEmbedder()


@pytest.fixture
def tenant(make_tenant, app_engine):
    """(slug, transaction factory) of a tenant holding three clean requirements and one consultant."""
    from warehouse.db import tenant_tx

    slug = f"gx-{uuid.uuid4().hex[:10]}"
    tenant_id = make_tenant(slug)
    with tenant_tx(tenant_id, app_engine) as conn:
        for title, rate in (("Java Developer", 80), ("Data Engineer", 95), ("QA Analyst", None)):
            rid = conn.execute(sa.text(
                "insert into crm.requirement (tenant_id, title, extraction_status, bill_rate_max) "
                "values (:t, :title, 'extracted', :rate) returning id"),
                {"t": tenant_id, "title": title, "rate": rate}).scalar_one()
            conn.execute(sa.text("insert into crm.requirement_skill (tenant_id, requirement_id, raw_name) "
                                 "values (:t, :r, 'Python')"), {"t": tenant_id, "r": rid})
        conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name, hourly_rate) "
                             "values (:t, 'Priya Raman', 70)"), {"t": tenant_id})
    return slug, lambda: tenant_tx(tenant_id, app_engine)


def _materialize(slug: str, inbox: Path) -> dg.ExecuteInProcessResult:
    inbox.mkdir(exist_ok=True)
    return materialize_for_tenant(
        [a.parsed_requirements, a.consultant_profiles, a.normalized_skills, c.parsed_requirements_expectations,
         c.consultant_rates_in_plausible_range], tenant=slug,
        resources={"postgres": PostgresResource(), "inbox": InboxResource(folder=str(inbox)),
                   "ingest_embedder": _NoTextEmbedderResource()}, raise_on_error=False)


def _evaluations(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def test_checks_carry_the_great_expectations_validation_and_its_data_docs(tenant, tmp_path, settings):
    slug, _ = tenant
    result = _materialize(slug, tmp_path / "inbox")
    assert result.success
    evaluations = _evaluations(result)
    assert set(evaluations) >= GE_CHECKS
    for key in GE_CHECKS:
        meta = evaluations[key].metadata
        assert evaluations[key].passed, (key, meta["failed_expectations"].value)
        assert meta["success_percent"].value == 100.0 and meta["failed_expectations"].value == "none"
        assert set(meta["unexpected_counts"].value.values()) == {0}
        docs = Path(meta["data_docs"].value)
        assert docs == settings.data_dir / "quality" / slug / "gx" / "uncommitted" / "data_docs" / "local_site" / \
            "index.html" and docs.exists()
        page = meta["validation_result"].value
        assert page.startswith("file://") and Path(page.removeprefix("file://")).exists()
    title_and_skills = evaluations["parsed_requirements:requirements_have_title_and_skills"].metadata
    assert title_and_skills["suite"].value == "parsed_requirements"
    assert title_and_skills["expectations_passed"].value == "2/2" and title_and_skills["rows_validated"].value == 3
    assert "normalized_skills" in {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()
                                   for m in [m.event_specific_data.materialization]}


def test_an_implausible_rate_fails_the_blocking_check_and_stops_downstream(tenant, tmp_path):
    slug, tenant_conn = tenant
    with tenant_conn() as conn:
        conn.execute(sa.text("update crm.requirement set bill_rate_max = 6800 where title = 'Data Engineer'"))
    result = _materialize(slug, tmp_path / "inbox")
    evaluations = _evaluations(result)
    rates = evaluations["parsed_requirements:rates_in_plausible_range"]
    assert rates.passed is False and rates.severity == dg.AssetCheckSeverity.ERROR
    assert rates.metadata["unexpected_counts"].value == {"expect_column_values_to_be_between(bill_rate_max)": 1}
    assert "6800" in rates.metadata["failed_expectations"].value
    assert rates.metadata["success_percent"].value == 0.0
    # The other expectations of the suite still pass; the consultants' suite is untouched.
    assert evaluations["parsed_requirements:requirements_have_title_and_skills"].passed is True
    assert evaluations["consultant_profiles:consultant_rates_in_plausible_range"].passed is True
    materialized = {m.event_specific_data.materialization.asset_key.to_user_string()
                    for m in result.get_asset_materialization_events()}
    assert "parsed_requirements" in materialized and "normalized_skills" not in materialized


def test_submission_funnel_check_fails_when_a_submission_closes_before_it_was_submitted(tenant):
    slug, tenant_conn = tenant
    with tenant_conn() as conn:
        tid = conn.execute(sa.text("select app.current_tenant()")).scalar_one()
        rid = conn.execute(sa.text("select id from crm.requirement limit 1")).scalar_one()
        cid = conn.execute(sa.text("select id from crm.consultant limit 1")).scalar_one()
        conn.execute(sa.text(
            "insert into crm.submission (tenant_id, consultant_id, requirement_id, status, submitted_at, closed_at) "
            "values (:t, :c, :r, 'rejected', now(), now() - interval '3 days')"), {"t": tid, "c": cid, "r": rid})
    context = dg.build_asset_check_context(resources={"postgres": PostgresResource()})
    result = submission_funnel_is_consistent(context)  # an unpartitioned run (the marts refresh): every tenant
    assert result.passed is False and result.severity == dg.AssetCheckSeverity.WARN
    assert slug in result.metadata["tenants_failing"].value.split(", ")
    assert result.metadata["unexpected_counts_by_tenant"].value[slug][
        "expect_column_pair_values_a_to_be_greater_than_b(closed_at>=submitted_at)"] == 1
