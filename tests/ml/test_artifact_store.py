"""The tenant training folder behind the ranking assets' IO manager: frames as Parquet, other values pickled,
one value per name, a precise error when an upstream was never materialized."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ml.training.dataset import Split
from ml.training.store import ArtifactStore
from warehouse.settings import Settings


def _store(tmp_path: Path, slug: str = "acme") -> ArtifactStore:
    return ArtifactStore.for_tenant(Settings(data_dir=tmp_path), slug)


def test_frames_round_trip_as_parquet_and_other_values_as_pickles(tmp_path):
    store = _store(tmp_path)
    frame = pl.DataFrame({"label": [0, 1], "query": [3, 3]})
    assert store.write_value("pair_features", frame).suffix == ".parquet"
    assert store.read_value("pair_features").equals(frame)
    split = Split(frame, frame, frame, valid_from_day=1.0, test_from_day=2.0)
    assert store.write_value("training_set", split).suffix == ".pkl"
    again = store.read_value("training_set")
    assert again.test.equals(frame) and again.describe() == split.describe()


def test_a_value_that_changes_kind_leaves_no_stale_file_behind(tmp_path):
    store = _store(tmp_path)
    store.write_value("drift_report", pl.DataFrame({"psi": [0.1]}))
    store.write_value("drift_report", {"psi": 0.1})
    assert store.read_value("drift_report") == {"psi": 0.1}
    assert sorted(p.name for p in (tmp_path / "ml" / "acme" / "values").iterdir()) == ["drift_report.pkl"]


def test_tenants_have_separate_folders_and_a_missing_upstream_says_what_to_do(tmp_path):
    _store(tmp_path, "acme").write_value("pair_features", pl.DataFrame({"a": [1]}))
    with pytest.raises(FileNotFoundError, match="materialize the upstream asset first"):
        _store(tmp_path, "globex").read_value("pair_features")


@pytest.mark.parametrize("slug", ["", "../acme", ".hidden"])
def test_a_slug_that_is_not_a_folder_name_is_refused(tmp_path, slug):
    with pytest.raises(ValueError, match="not a tenant slug"):
        _store(tmp_path, slug)
