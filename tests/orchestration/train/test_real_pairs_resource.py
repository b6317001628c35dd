"""A run that scores models on the real pairs starts featurizing them when its resources are set up, before any step
needs them, and the step that needs them waits for that featurization instead of repeating it (ADR 0030)."""

from __future__ import annotations

import dagster as dg

from ml.evaluation import real_pairs
from orchestration.defs.train.real_pairs import RealPairsResource
from tests.ml.test_real_pairs_cache import _pairs


def test_a_run_starts_the_real_pairs_when_its_resources_are_set_up(tmp_path, monkeypatch):
    from warehouse.settings import get_settings

    data, cache = tmp_path / "shared", tmp_path / "machine-cache"
    (data / "resume_jd_fit_dev").mkdir(parents=True)
    path = _pairs(data / "resume_jd_fit_dev" / "pairs.csv")
    monkeypatch.setenv("BENCHCRM_SHARED_DATA", str(data))
    monkeypatch.setenv("BENCHCRM_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    featurized: list = []
    original = real_pairs._featurize
    monkeypatch.setattr(real_pairs, "_featurize",
                        lambda *args, **kwargs: featurized.append(args[0]) or original(*args, **kwargs))
    started: list[bool] = []

    @dg.asset
    def first_step() -> None:
        # the run's first step: the resource was set up before it, no step has asked for the pairs yet
        started.append(real_pairs._cache_file(path, cache / "real_pairs") in real_pairs._in_flight)

    @dg.asset(deps=[first_step])
    def scored(dev_pairs: RealPairsResource) -> dg.MaterializeResult:
        check = dev_pairs.check(None)
        return dg.MaterializeResult(metadata={"pairs": check.pairs})

    try:
        result = dg.materialize([first_step, scored], resources={"dev_pairs": RealPairsResource()})
    finally:
        get_settings.cache_clear()
    assert result.success and started == [True]
    assert featurized == [path]
    assert result.asset_materializations_for_node("scored")[0].metadata["pairs"].value == 4
    assert list((cache / "real_pairs").glob("real-pairs-*.parquet"))
