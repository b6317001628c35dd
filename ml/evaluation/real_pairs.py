"""AUC on labelled real pairs, with a bootstrap interval; shared by `benchmarks/real_text_quality.py`, the
`model_evaluation` asset and the promotion gate's dev-pairs check."""

from __future__ import annotations

import numpy as np
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
