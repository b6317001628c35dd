"""The export scrub (warehouse/offline/scrub.py) on hand-built frames and files: the tenant's rows of the person go,
their mentions are replaced, another tenant's rows (even with the same id or name) and the schema stay."""

from __future__ import annotations

import uuid

import pandas as pd
import pyarrow.parquet as pq

from warehouse.offline.scrub import scrub_exports, scrub_frame

MINE, OTHER = uuid.uuid4(), uuid.uuid4()
ANA, BO = uuid.uuid4(), uuid.uuid4()


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "tenant_id": [str(MINE), str(MINE), str(OTHER), str(MINE)],
        "consultant_id": [str(ANA), str(BO), str(ANA), None],
        "full_name": ["Ana Souza", "Bo Lee", "Ana Souza", "ask ANA SOUZA"],
        "revenue_usd": [1.0, 2.0, 3.0, 4.0],
    })


def test_the_persons_rows_of_the_tenant_go_and_mentions_are_replaced():
    kept, affected = scrub_frame(_frame(), tenant_id=MINE, person_ids=[ANA], pattern="Ana Souza",
                                 replacement="[erased]")
    assert affected == 2
    assert kept["full_name"].tolist() == ["Bo Lee", "Ana Souza", "ask [erased]"]
    assert kept["tenant_id"].tolist() == [str(MINE), str(OTHER), str(MINE)]


def test_a_frame_without_the_person_is_untouched():
    kept, affected = scrub_frame(_frame(), tenant_id=uuid.uuid4(), person_ids=[ANA], pattern="Ana Souza",
                                 replacement="[erased]")
    assert affected == 0 and kept.equals(_frame())


def test_files_are_rewritten_with_their_schema_and_unchanged_files_are_left(tmp_path):
    folder = tmp_path / "exports" / "all"
    folder.mkdir(parents=True)
    _frame().to_parquet(folder / "kpi_consultant_revenue.parquet", index=False)
    pd.DataFrame({"tenant_id": [str(MINE)], "n": [1]}).to_parquet(folder / "kpi_tenant_period.parquet", index=False)
    untouched = (folder / "kpi_tenant_period.parquet").read_bytes()
    schema = pq.read_schema(folder / "kpi_consultant_revenue.parquet")
    counts = scrub_exports(tmp_path / "exports", tenant_id=MINE, person_ids=[ANA], pattern="Ana Souza",
                           replacement="[erased]")
    assert counts == {"all/kpi_consultant_revenue.parquet": 2}
    assert pq.read_schema(folder / "kpi_consultant_revenue.parquet").equals(schema)
    assert pd.read_parquet(folder / "kpi_consultant_revenue.parquet")["full_name"].tolist() == [
        "Bo Lee", "Ana Souza", "ask [erased]"]
    assert (folder / "kpi_tenant_period.parquet").read_bytes() == untouched
    assert sorted(p.name for p in folder.iterdir()) == ["kpi_consultant_revenue.parquet", "kpi_tenant_period.parquet"]
    assert scrub_exports(tmp_path / "missing", tenant_id=MINE, person_ids=[ANA], pattern="x", replacement="") == {}
