"""A trained ranker + calibrator as one object: what is registered, exported and served.

Imports lightgbm (and numpy) only: the API loads it from exported files without MLflow or scikit-learn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ml.calibration.calibrators import Calibrator
from ml.features.columns import FACTOR_OF_FEATURE
from ml.scoring.formula import FACTORS

BOOSTER_FILE, CALIBRATOR_FILE, MANIFEST_FILE = "booster.txt", "calibrator.json", "manifest.json"


@dataclass(frozen=True)
class Prediction:
    raw: np.ndarray  # ranker margin
    match_score: np.ndarray  # sigmoid(raw), 0..1
    success_probability: np.ndarray  # calibrated, 0..1
    contributions: np.ndarray  # (n, 6) per factor, in match-score units
    baseline: np.ndarray  # (n,) sigmoid(expected raw): baseline + Σ contributions = match_score


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def factor_contributions(contrib: np.ndarray, features: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map LightGBM `pred_contrib` (n, F+1; last column the expected value) to the six factors, in match-score
    units. SHAP values add up in margin space (bias + Σ = raw); match_score = sigmoid(raw), so each factor's margin
    contribution is scaled by the secant slope (σ(raw) - σ(bias)) / (raw - bias): signs are kept and
    baseline + Σ factor contributions = match_score exactly."""
    bias = contrib[:, -1]
    raw = contrib.sum(axis=1)
    groups = np.zeros((len(features), len(FACTORS)))
    for j, name in enumerate(features):
        groups[j, FACTORS.index(FACTOR_OF_FEATURE.get(name, "skills"))] = 1.0
    margin_by_factor = contrib[:, :-1] @ groups
    delta = raw - bias
    s, s0 = _sigmoid(raw), _sigmoid(bias)
    slope = np.where(np.abs(delta) > 1e-9, (s - s0) / np.where(np.abs(delta) > 1e-9, delta, 1.0), s0 * (1 - s0))
    return raw, margin_by_factor * slope[:, None], s0


@dataclass
class RankerBundle:
    booster: object  # lightgbm.Booster
    calibrator: Calibrator
    features: list[str]
    version: str
    metrics: dict[str, float] | None = None

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        return np.column_stack([frame[c].to_numpy().astype(np.float64) for c in self.features])

    def raw_score(self, frame: pl.DataFrame) -> np.ndarray:
        return np.asarray(self.booster.predict(self.matrix(frame)), float)  # type: ignore[attr-defined]

    def predict(self, frame: pl.DataFrame) -> Prediction:
        if frame.height == 0:
            empty = np.zeros(0)
            return Prediction(empty, empty, empty, np.zeros((0, len(FACTORS))), empty)
        contrib = np.asarray(self.booster.predict(self.matrix(frame), pred_contrib=True), float)  # type: ignore[attr-defined]
        raw, factors, baseline = factor_contributions(contrib, self.features)
        context = {c: frame[c].to_numpy().astype(float) for c in self.calibrator.context if c in frame.columns}
        prob = self.calibrator.predict(raw, context)
        return Prediction(raw=raw, match_score=_sigmoid(raw), success_probability=prob,
                          contributions=factors, baseline=baseline)

    # ---- files (export for serving; also the pyfunc's artifacts)
    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / BOOSTER_FILE).write_text(self.booster.model_to_string())  # type: ignore[attr-defined]
        (folder / CALIBRATOR_FILE).write_text(self.calibrator.to_json())
        (folder / MANIFEST_FILE).write_text(json.dumps(
            {"version": self.version, "features": self.features, "metrics": self.metrics or {}}, indent=2))
        return folder

    @classmethod
    def load(cls, folder: Path) -> RankerBundle:
        import lightgbm as lgb

        manifest = json.loads((folder / MANIFEST_FILE).read_text())
        booster = lgb.Booster(model_str=(folder / BOOSTER_FILE).read_text())
        return cls(booster=booster, calibrator=Calibrator.from_json((folder / CALIBRATOR_FILE).read_text()),
                   features=list(manifest["features"]), version=str(manifest["version"]),
                   metrics=manifest.get("metrics") or None)
