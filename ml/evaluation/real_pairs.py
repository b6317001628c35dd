"""AUC on labelled real pairs, with a bootstrap interval; shared by `benchmarks/real_text_quality.py`, the
`model_evaluation` asset and the promotion gate's dev-pairs check."""

from __future__ import annotations

import csv
import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score


def auc_with_unknowns(y: np.ndarray, score: np.ndarray) -> float:
    """AUC where an unscored pair (NaN) ranks below every scored one, as it would in a served list."""
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    if len(np.unique(y)) < 2:
        return float("nan")
    floor = np.nanmin(s) - 1.0 if np.isfinite(s).any() else 0.0
    return float(roc_auc_score(y, np.where(np.isfinite(s), s, floor)))


def bootstrap_auc(y: np.ndarray, score: np.ndarray, *, n_boot: int = 2000, seed: int = 7
                  ) -> tuple[float, float, float, float]:
    """(AUC, 2.5% and 97.5% bootstrap quantiles over pairs, share of pairs scored)."""
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        if len(np.unique(y[idx])) == 2:
            draws.append(auc_with_unknowns(y[idx], s[idx]))
    low, high = (np.quantile(draws, [0.025, 0.975]) if draws else (np.nan, np.nan))
    return auc_with_unknowns(y, s), float(low), float(high), float(np.isfinite(s).mean()) if len(s) else 0.0


# ---- labelled real pairs as a feature frame (cached), and the gate that keeps models above the seed formula

MIN_GATE_MARGIN = 0.0  # a model may tie the seed formula on real pairs, never rank them worse


@dataclass(frozen=True)
class LabelledPairs:
    frame: pl.DataFrame  # pair features of the rows that could be featurized
    labels: np.ndarray  # every labelled row's label
    scored: np.ndarray  # index into `labels` of each frame row; the other rows could not be featurized
    source: str

    @property
    def rows(self) -> int:
        return len(self.labels)

    def spread(self, score: np.ndarray) -> np.ndarray:
        """A score per labelled row: NaN (ranked below every scored pair) where the row could not be featurized."""
        out = np.full(len(self.labels), np.nan)
        out[self.scored] = score
        return out


def read_labelled_pairs(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        rows = list(csv.DictReader(fh))
    missing = {"requirement_text", "resume_text", "label"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return rows


def _label(value: object) -> int | None:
    try:
        out = float(str(value))
    except ValueError:
        return None
    return int(out) if out in (0.0, 1.0) else None


def labelled_rows(path: Path) -> tuple[list[dict[str, str]], np.ndarray]:
    """The rows whose label is 0 or 1 (others are not evaluation data), and those labels."""
    rows = [r for r in read_labelled_pairs(path) if _label(r.get("label")) is not None]
    return rows, np.array([_label(r["label"]) for r in rows], dtype=np.int64)


def _code_fingerprint() -> str:
    """Hash of the code and data the features come from (extraction, taxonomy, normalization, features, the
    embedder): a cached frame is reused only by the very code that made it."""
    import ml

    root = Path(ml.__file__).parent
    digest = hashlib.sha256()
    for package in ("extraction", "taxonomy", "normalize", "features", "ai", "matching"):
        for file in sorted((root / package).rglob("*")):
            if file.is_file() and file.suffix in {".py", ".yaml", ".json", ".gz", ".csv"}:
                digest.update(file.relative_to(root).as_posix().encode() + file.read_bytes())
    return digest.hexdigest()


def _cache_file(path: Path, cache_dir: Path | None) -> Path | None:
    """Content-addressed: the file's bytes, the feature code and the embedder (model and backend) that turn its
    texts into features. Any data folder on the machine may reuse it; a change to any of them is a new file."""
    if cache_dir is None:
        return None
    from ml.ai.embeddings import get_embedder

    embedder = get_embedder()
    key = f"{_code_fingerprint()}|{embedder.model_name}|{embedder.backend}".encode()
    return cache_dir / f"real-pairs-{hashlib.sha256(path.read_bytes() + key).hexdigest()[:20]}.parquet"


def _featurize(path: Path, cached: Path | None, *, private_embedder: bool = False) -> tuple[pl.DataFrame, np.ndarray]:
    """`private_embedder`: a second instance of the process's embedder (same model and backend), for a thread that
    encodes while the run's own steps encode: the two never share a tokenizer or a session's state."""
    from ml.ai.embeddings import Embedder, get_embedder
    from ml.extraction import extract_requirement, extract_resume
    from ml.features.entities import SkillGraph
    from ml.matching.offline import text_pair_features

    embedder = get_embedder()
    if private_embedder:
        embedder = Embedder(device=embedder.device, backend=embedder.backend, cache_dir=embedder.cache_dir,
                            threads=embedder.threads)
    rows, _ = labelled_rows(path)
    feats = text_pair_features(rows, graph=SkillGraph.from_taxonomy(), extract_requirement=extract_requirement,
                               extract_resume=extract_resume, encode=embedder.encode)
    frame = feats.frame.drop("req_idx", "con_idx")
    scored = np.asarray(feats.ok, dtype=np.int64)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # written aside, then renamed: a reader (another run, another data folder) never sees half a file
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.{threading.get_ident()}")
        frame.with_columns(pl.Series("row", scored)).write_parquet(partial)
        os.replace(partial, cached)
    return frame, scored


# Featurizations started ahead of need in this process (prefetch_labelled_pair_features), by cache file: whoever needs
# the same file waits for that one instead of embedding the texts a second time.
_in_flight: dict[Path, Future] = {}
_in_flight_lock = threading.Lock()


def prefetch_labelled_pair_features(path: Path | None, cache_dir: Path | None) -> Future | None:
    """Start featurizing the labelled pairs in a background thread unless they are cached (or already started):
    the features depend on no tenant's data, so a run can compute them while its other steps work. Returns the
    future (None when there is nothing to do)."""
    if path is None or cache_dir is None:
        return None
    cached = _cache_file(path, cache_dir)
    assert cached is not None
    with _in_flight_lock:
        if cached in _in_flight or cached.exists():
            return _in_flight.get(cached)
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="real-pairs")
        future = worker.submit(_featurize, path, cached, private_embedder=True)
        worker.shutdown(wait=False)
        _in_flight[cached] = future
        return future


def labelled_pair_features(path: Path, cache_dir: Path | None = None) -> LabelledPairs:
    """Features of every (requirement_text, resume_text, label) row through the offline scoring path, cached under
    `cache_dir` by the file's hash, a fingerprint of the feature code and the embedder (embedding the texts is the
    slow part). A prefetch of the same file in this process is waited for, not repeated."""
    cached = _cache_file(path, cache_dir)
    _, labels = labelled_rows(path)
    with _in_flight_lock:
        pending = _in_flight.get(cached) if cached is not None else None
    if pending is not None:
        try:
            frame, scored = pending.result()
            return LabelledPairs(frame, labels, scored, str(path))
        except Exception:  # computed again below, so the error surfaces in the step that needs it
            pass
    if cached is not None and cached.exists():
        frame = pl.read_parquet(cached)
        return LabelledPairs(frame.drop("row"), labels, frame["row"].to_numpy(), str(path))
    frame, scored = _featurize(path, cached)
    return LabelledPairs(frame, labels, scored, str(path))


def real_pairs_auc(pairs: LabelledPairs, model) -> float:
    """AUC of `model` (a RankerBundle, or None for the seed formula) on the labelled pairs."""
    from ml.features.pairs import factor_matrix
    from ml.scoring.formula import explainable_scores

    if model is None:
        score = explainable_scores(factor_matrix(pairs.frame))[0]
    else:
        score = model.predict(pairs.frame).match_score
    return auc_with_unknowns(pairs.labels, pairs.spread(score))


@dataclass(frozen=True)
class RealPairsCheck:
    model_auc: float
    seed_formula_auc: float
    pairs: int
    source: str

    @property
    def passed(self) -> bool:
        return not (self.model_auc < self.seed_formula_auc + MIN_GATE_MARGIN)

    @property
    def reason(self) -> str:
        verdict = "≥" if self.passed else "<"
        return (f"real pairs AUC {self.model_auc:.4f} {verdict} seed formula {self.seed_formula_auc:.4f} "
                f"({self.pairs} pairs)")

    def as_metadata(self) -> dict[str, object]:
        return {"real_pairs_auc": self.model_auc, "real_pairs_seed_formula_auc": self.seed_formula_auc,
                "real_pairs": self.pairs, "real_pairs_source": self.source, "real_pairs_gate": self.reason}


def check_on_real_pairs(model, path: Path | None, cache_dir: Path | None = None) -> RealPairsCheck | None:
    """The model against the seed formula on labelled real pairs; None when there is no such file."""
    if path is None:
        return None
    pairs = labelled_pair_features(path, cache_dir)
    return RealPairsCheck(real_pairs_auc(pairs, model), real_pairs_auc(pairs, None), pairs.rows, pairs.source)
