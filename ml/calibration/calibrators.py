"""Calibrators as plain data (numpy at predict time, JSON on disk), so serving needs no scikit-learn.

- Platt: logistic on the ranker score plus the query's context (the client's smoothed interview rate). A
  lambdarank score (the optional objective) only orders consultants *within* a requirement; how likely anyone is to advance depends on the
  requirement (a picky client), which the context term restores.
- Isotonic: monotone step function of the score (fit with scikit-learn, stored as interpolation knots).
The one with the lower validation Brier wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sklearn.metrics import brier_score_loss as brier  # calibration sits below ml.evaluation

CONTEXT_FEATURES: tuple[str, ...] = ("client_win_rate",)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibrator:
    kind: Literal["platt", "isotonic", "identity"]
    coef: list[float] = field(default_factory=list)  # platt: [score, *context]
    intercept: float = 0.0
    context: tuple[str, ...] = ()
    context_fill: list[float] = field(default_factory=list)  # value used when a context feature is unknown
    x: list[float] = field(default_factory=list)  # isotonic knots
    y: list[float] = field(default_factory=list)

    def _design(self, score: np.ndarray, context: dict[str, np.ndarray] | None) -> np.ndarray:
        cols = [np.asarray(score, float)]
        for name, fill in zip(self.context, self.context_fill, strict=True):
            values = np.asarray((context or {}).get(name, np.full(len(score), np.nan)), float)
            cols.append(_logit(np.where(np.isfinite(values), values, fill)))
        return np.column_stack(cols)

    def predict(self, score: np.ndarray, context: dict[str, np.ndarray] | None = None) -> np.ndarray:
        score = np.nan_to_num(np.asarray(score, float))
        if self.kind == "platt":
            z = self._design(score, context) @ np.asarray(self.coef) + self.intercept
            out = 1.0 / (1.0 + np.exp(-z))
        elif self.kind == "isotonic":
            out = np.interp(score, np.asarray(self.x), np.asarray(self.y))
        else:
            out = np.clip(score, 0.0, 1.0)
        return np.clip(out, 0.0, 1.0)

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "context": list(self.context)})

    @classmethod
    def from_json(cls, text: str) -> Calibrator:
        data = json.loads(text)
        data["context"] = tuple(data.get("context", ()))
        return cls(**data)


def fit_platt(score: np.ndarray, y: np.ndarray, context: dict[str, np.ndarray] | None = None,
              context_names: tuple[str, ...] = CONTEXT_FEATURES) -> Calibrator:
    from sklearn.linear_model import LogisticRegression

    names = tuple(n for n in context_names if context is not None and n in context)
    fills = []
    for n in names:
        v = np.asarray(context[n], float)  # type: ignore[index]
        fills.append(float(np.nanmean(v)) if np.isfinite(v).any() else 0.25)
    proto = Calibrator(kind="platt", context=names, context_fill=fills)
    design = proto._design(np.nan_to_num(np.asarray(score, float)), context)
    model = LogisticRegression(C=10.0, max_iter=1000).fit(design, np.asarray(y, int))
    return Calibrator(kind="platt", coef=[float(c) for c in model.coef_[0]], intercept=float(model.intercept_[0]),
                      context=names, context_fill=fills)


def fit_isotonic(score: np.ndarray, y: np.ndarray) -> Calibrator:
    from sklearn.isotonic import IsotonicRegression

    score = np.nan_to_num(np.asarray(score, float))
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(score, np.asarray(y, float))
    return Calibrator(kind="isotonic", x=[float(v) for v in iso.X_thresholds_], y=[float(v) for v in iso.y_thresholds_])


def fit_best_calibrator(score: np.ndarray, y: np.ndarray, context: dict[str, np.ndarray] | None = None,
                        *, seed: int = 0) -> tuple[Calibrator, dict[str, float]]:
    """Fit both on half of the validation rows, compare Brier on the other half, refit the winner on all rows.
    Returns (calibrator, {"platt": brier, "isotonic": brier})."""
    score, y = np.asarray(score, float), np.asarray(y, float)
    rng = np.random.default_rng(seed)
    mask = rng.random(len(y)) < 0.5
    ctx_a = {k: np.asarray(v)[mask] for k, v in (context or {}).items()}
    ctx_b = {k: np.asarray(v)[~mask] for k, v in (context or {}).items()}
    briers = {
        "platt": brier(y[~mask], fit_platt(score[mask], y[mask], ctx_a).predict(score[~mask], ctx_b)),
        "isotonic": brier(y[~mask], fit_isotonic(score[mask], y[mask]).predict(score[~mask])),
    }
    best = min(briers, key=briers.__getitem__)
    calibrator = fit_platt(score, y, context) if best == "platt" else fit_isotonic(score, y)
    return calibrator, briers
