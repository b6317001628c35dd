"""Score = 0.30·Skills + 0.20·Role + 0.15·Location + 0.12·RateFitness + 0.08·Seniority + 0.10·History
+ 0.05·Availability.

Role is the text fit every pair has (the documents' embedding cosine and the title overlap, ml.features.text_fit):
on real resumes and postings the structured factors are mostly unknown and the role carries the ranking.

A factor whose inputs are unknown (no skills on the requirement, no rate on the consultant, no coordinates...) is
weighted out and the remaining weights are renormalized, so a missing field neither rewards nor punishes a pair and
the score is never NaN. Each factor's contribution is `weight_effective · value`; contributions sum to the score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

FACTORS: tuple[str, ...] = ("skills", "role", "location", "rate", "seniority", "history", "availability")
WEIGHTS: dict[str, float] = {
    "skills": 0.30, "role": 0.20, "location": 0.15, "rate": 0.12, "seniority": 0.08, "history": 0.10,
    "availability": 0.05,
}
# The feature column holding each factor's 0..1 value (NaN = unknown).
FACTOR_SCORE_COLUMNS: dict[str, str] = {f: f"{f}_score" for f in FACTORS}
SEED_MODEL_VERSION = "seed-formula-v3"

Status = Literal["known", "unknown"]


@dataclass(frozen=True)
class FactorResult:
    value: float | None  # 0..1, None when unknown
    weight: float  # effective weight after renormalization (0 when unknown)
    contribution: float  # this factor's share of match_score (model: may be negative)
    status: Status

    def as_dict(self) -> dict[str, float | str | None]:
        return {"value": self.value, "weight": self.weight, "contribution": self.contribution, "status": self.status}


@dataclass(frozen=True)
class ScoredPair:
    match_score: float
    factors: dict[str, FactorResult]
    baseline: float = 0.0  # score with no factor evidence; 0 for the formula, the model's expected value otherwise
    model_version: str = SEED_MODEL_VERSION
    extra: dict[str, float] = field(default_factory=dict)


def _as_float(value: object) -> float:
    if value is None:
        return math.nan
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def explainable_scores(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorized formula. `values` is (n, 6) in FACTORS order, NaN = unknown.

    Returns (match_score (n,), contributions (n, 6), effective weights (n, 6)). A pair with every factor unknown
    scores 0 (no evidence), not NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != len(FACTORS):
        raise ValueError(f"expected (n, {len(FACTORS)}) factor values, got {values.shape}")
    known = np.isfinite(values)
    clipped = np.where(known, np.clip(values, 0.0, 1.0), 0.0)
    base = np.array([WEIGHTS[f] for f in FACTORS])
    raw_w = np.where(known, base, 0.0)
    total = raw_w.sum(axis=1, keepdims=True)
    eff_w = np.divide(raw_w, total, out=np.zeros_like(raw_w), where=total > 0)
    contributions = eff_w * clipped
    return contributions.sum(axis=1), contributions, eff_w


def explainable_score(features: Mapping[str, object]) -> ScoredPair:
    """Score one pair from its feature dict (keys `<factor>_score`; missing, None or NaN = unknown)."""
    row = np.array([[_as_float(features.get(FACTOR_SCORE_COLUMNS[f])) for f in FACTORS]])
    score, contrib, weights = explainable_scores(row)
    factors = {
        f: FactorResult(
            value=float(np.clip(row[0, i], 0, 1)) if np.isfinite(row[0, i]) else None,
            weight=float(weights[0, i]),
            contribution=float(contrib[0, i]),
            status="known" if np.isfinite(row[0, i]) else "unknown",
        )
        for i, f in enumerate(FACTORS)
    }
    return ScoredPair(match_score=float(score[0]), factors=factors)
