"""benchmarks/capacity_inputs.py measures a small seeded tenant on the real database: its rows, its share of storage,
warm embedding time, API CPU per request; and says why pipeline times are missing when no run was recorded."""

from __future__ import annotations

import uuid

import dagster as dg
import pytest

from benchmarks.capacity_inputs import main, measure, pipeline_inputs


@pytest.fixture(scope="module")
def small_world(admin_engine) -> str:
    from demo_world import WorldParams
    from demo_world.loader import seed_tenant

    slug = f"cap-{uuid.uuid4().hex[:8]}"
    seed_tenant(admin_engine, WorldParams(consultants=50, requirements=20, seed=11), tenant_slug=slug)
    return slug


def test_measures_rows_storage_embedding_and_api_of_one_tenant(small_world, tmp_path):
    result = measure(small_world, embed_sample=8, requests=2, dagster_home=tmp_path)
    assert result["rows"]["consultant"] == 50 and result["rows"]["requirement"] >= 20
    tables = result["storage"]["tables_bytes"]
    assert tables["crm.consultant"] > 0 and "crm.consultant_skill" in tables
    assert result["storage"]["total_bytes"] == sum(tables.values())
    # 50 consultants scale by 2,000 to the model's 100k.
    assert result["per_100k_consultants"]["storage_gib"] == round(result["storage"]["total_bytes"] * 2000 / 2**30, 2)
    embedding = result["embedding"]
    assert embedding["texts"] == 8 and embedding["chunks"] >= 8 and embedding["cpu_seconds_per_1000_texts"] > 0
    listing = result["api"]["GET /v1/consultants?limit=50"]
    assert listing["api_cpu_ms"] > 0 and listing["wall_ms"] > 0
    assert result["pipeline"] == {"run": None, "why": f"no Dagster instance at {tmp_path}"}


def test_pipeline_inputs_say_when_no_run_was_recorded(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(tmp_path)):
        pass
    assert pipeline_inputs({"submission": 10}, tmp_path)["why"] == "no successful full_pipeline_job run recorded"


def test_an_unknown_tenant_is_a_one_line_error(admin_engine):
    with pytest.raises(SystemExit, match="tenant 'no-such-tenant' does not exist"):
        main(["--tenant", "no-such-tenant", "--embed-sample", "0", "--requests", "0"])
