"""The Dagster definitions load, name what the README promises, and their asset graph is snapshotted."""

from __future__ import annotations

import itertools

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs as load

    return load()


def test_full_pipeline_job_resolves(defs):
    job = defs.resolve_job_def("full_pipeline_job")
    assert job.name == "full_pipeline_job"


def test_every_asset_has_a_group_description_and_kind(defs):
    specs = [s for s in defs.resolve_all_asset_specs()]
    assert specs, "no assets loaded"
    missing = [s.key.to_user_string() for s in specs
               if s.group_name in (None, "default") or not s.description or not s.kinds]
    assert missing == []


def test_asset_graph_snapshot(defs, snapshot):
    graph = {
        s.key.to_user_string(): {
            "group": s.group_name,
            "kinds": sorted(s.kinds),
            "deps": sorted(d.asset_key.to_user_string() for d in s.deps),
        }
        for s in defs.resolve_all_asset_specs()
    }
    jobs = sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))
    schedules = sorted(s.name for s in (defs.schedules or []))
    sensors = sorted(s.name for s in (defs.sensors or []))
    assert {"assets": graph, "jobs": jobs, "schedules": schedules, "sensors": sensors} == snapshot


def test_lineage_runs_from_inbox_to_registered_model_to_marts(defs):
    """The main job covers the whole lineage, and each stage depends on the one before it."""
    graph = {s.key.to_user_string(): {d.asset_key.to_user_string() for d in s.deps}
             for s in defs.resolve_all_asset_specs()}
    chain = ["raw_emails", "parsed_requirements", "normalized_skills", "requirement_embeddings", "pair_features",
             "training_set", "ranker_model", "calibrator", "model_evaluation", "registered_model",
             "batch_recommendations", "staging/stg_crm__recommendations"]
    for upstream, downstream in itertools.pairwise(chain):
        assert upstream in graph[downstream], f"{downstream} should depend on {upstream}"
    job_assets = {k.to_user_string() for k in defs.resolve_job_def("full_pipeline_job").asset_layer.executable_asset_keys}
    assert set(chain) | {"marts_export", "marts/kpi_tenant_period"} <= job_assets
