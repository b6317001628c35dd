"""The real pairs' features are cached per machine (BENCHCRM_CACHE_DIR), keyed by what they are computed from, and a
featurization started ahead of need (a run's resource setup) is waited for, never repeated (ADR 0030)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from ml.evaluation import real_pairs
from tests.ml.texts import ACCOUNTANT, BARISTA, POSTING

JAVA = ("Senior Java Developer\nDallas, TX. Contract, 12 months. Must have Java, Spring Boot, Kafka and AWS; React is "
        "a plus.")
JAVA_CV = ("Summary: Java developer with 9 years building Spring Boot microservices on AWS with Kafka and React front "
           "ends for banks in Dallas, TX.")


def _pairs(path: Path, posting: str = POSTING) -> Path:
    rows = [(posting, ACCOUNTANT, 1), (posting, BARISTA, 0), (JAVA, JAVA_CV, 1), (JAVA, BARISTA, 0)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["pair_id", "requirement_text", "resume_text", "label"])
        writer.writerows([(i, a, b, y) for i, (a, b, y) in enumerate(rows)])
    return path


@pytest.fixture
def featurized(monkeypatch) -> list[Path]:
    """Every featurization (the slow path: extraction and embedding) by the pairs file it read."""
    calls: list[Path] = []
    original = real_pairs._featurize

    def counted(path: Path, cached: Path | None, **kwargs):
        calls.append(path)
        return original(path, cached, **kwargs)

    monkeypatch.setattr(real_pairs, "_featurize", counted)
    return calls


@pytest.fixture
def machine_cache(tmp_path, monkeypatch) -> Path:
    from warehouse.settings import get_settings

    cache = tmp_path / "machine-cache"
    monkeypatch.setenv("BENCHCRM_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    yield cache
    get_settings.cache_clear()


def test_a_second_data_folder_reuses_the_real_pair_features_of_the_first(tmp_path, machine_cache, featurized):
    from ml.training.register import real_pairs_cache
    from warehouse.settings import Settings

    first, second = Settings(data_dir=tmp_path / "demo1"), Settings(data_dir=tmp_path / "demo2")
    assert real_pairs_cache(first) == real_pairs_cache(second) == machine_cache / "real_pairs"
    path = _pairs(tmp_path / "pairs.csv")
    made = real_pairs.labelled_pair_features(path, real_pairs_cache(first))
    again = real_pairs.labelled_pair_features(path, real_pairs_cache(second))
    assert featurized == [path]  # the second folder read the first one's file
    assert again.frame.equals(made.frame) and np.array_equal(again.scored, made.scored)
    assert [p.name.startswith("real-pairs-") for p in (machine_cache / "real_pairs").iterdir()] == [True]


def test_changed_texts_or_another_embedding_backend_are_a_miss(tmp_path, machine_cache, featurized, monkeypatch):
    from ml.ai.embeddings import get_embedder
    from warehouse.settings import get_settings

    cache = machine_cache / "real_pairs"
    path = _pairs(tmp_path / "pairs.csv")
    real_pairs.labelled_pair_features(path, cache)
    key = real_pairs._cache_file(path, cache)
    _pairs(path, posting=POSTING + " Remote within the US.")  # one text edited in place
    assert real_pairs._cache_file(path, cache) != key
    real_pairs.labelled_pair_features(path, cache)
    assert featurized == [path, path]
    # Another backend of the same weights gives (slightly) other vectors: never served from this one's file.
    other = "torch" if get_embedder().backend != "torch" else "onnx-int8"
    monkeypatch.setenv("BENCHCRM_EMBEDDING_BACKEND", other)
    get_settings.cache_clear()
    get_embedder.cache_clear()
    try:
        assert get_embedder().backend == other
        assert real_pairs._cache_file(path, cache) not in {key, real_pairs._cache_file(path, None)}
        assert not real_pairs._cache_file(path, cache).exists()
    finally:
        get_embedder.cache_clear()


def test_a_prefetch_is_waited_for_not_repeated(tmp_path, machine_cache, featurized):
    cache = machine_cache / "real_pairs"
    path = _pairs(tmp_path / "pairs.csv")
    future = real_pairs.prefetch_labelled_pair_features(path, cache)
    assert future is not None
    assert real_pairs.prefetch_labelled_pair_features(path, cache) is future  # one per file
    pairs = real_pairs.labelled_pair_features(path, cache)
    assert featurized == [path] and future.done()
    assert pairs.rows == 4 and pairs.frame.height == 4
    assert real_pairs.prefetch_labelled_pair_features(None, cache) is None  # no real data here: nothing to do
