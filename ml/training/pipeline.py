"""The training recipe as steps: fit (ranker + logistic baseline) → calibrate → assemble → evaluate on the future
test period (plus the oracle). `train_models` composes them for tests and benchmarks; the Dagster assets call the
same steps one per asset (orchestration/defs/train/assets.py), so production runs what the tests run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ml.calibration.calibrators import CONTEXT_FEATURES, Calibrator, fit_best_calibrator, fit_platt
from ml.evaluation.metrics import score_metrics
from ml.features.columns import MODEL_FEATURES
from ml.features.pairs import factor_matrix
from ml.ranking.bundle import RankerBundle
from ml.ranking.trainer import FittedRanker, RankerParams, fit_final_ranker, fit_logistic, logistic_proba
from ml.scoring.formula import explainable_scores
from ml.training.dataset import Split

MODEL_ORDER = ("seed_formula", "logistic", "lightgbm", "oracle")


def seed_scores(frame: pl.DataFrame) -> np.ndarray:
    return explainable_scores(factor_matrix(frame))[0]


def labelled_history(train: pl.DataFrame, valid: pl.DataFrame, params: RankerParams) -> pl.DataFrame:
    """What the final models learn from: train + validation when refitting (everything before the test period)."""
    if not params.refit_on_validation:
        return train
    return pl.concat([train, valid], how="vertical_relaxed")


def _context(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy().astype(float) for c in CONTEXT_FEATURES}


@dataclass(frozen=True)
class FittedModels:
    """Step 1 (after the split): the LightGBM ranker and the logistic baseline, fitted on the same labelled history."""

    ranker: FittedRanker
    logistic: object
    params: RankerParams
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Calibration:
    """Step 2: probability calibrators fitted on the validation period (the ranker's held-out margins)."""

    calibrator: Calibrator
    seed_calibrator: Calibrator
    briers: dict[str, float]
    seconds: float = 0.0


@dataclass
class TrainedModels:
    ranker: RankerBundle
    logistic: object
    seed_calibrator: Calibrator
    calibration_briers: dict[str, float]
    params: RankerParams
    timings: dict[str, float] = field(default_factory=dict)


def fit_models(split: Split, params: RankerParams | None = None) -> FittedModels:
    """The ranker (early-stopped on validation, refit on train + validation) and the logistic baseline."""
    params = params or RankerParams()
    t0 = time.perf_counter()
    fitted = fit_final_ranker(split.train, split.valid, params)
    t1 = time.perf_counter()
    # The baseline sees the same labelled history as the final ranker.
    logistic = fit_logistic(labelled_history(split.train, split.valid, params), seed=params.seed)
    t2 = time.perf_counter()
    return FittedModels(fitted, logistic, params, {"ranker_s": t1 - t0, "logistic_s": t2 - t1})


def calibrate(fitted: FittedModels, valid: pl.DataFrame) -> Calibration:
    """Isotonic vs Platt on the held-out validation margins (lower Brier wins); the seed formula gets Platt too,
    so its Brier is comparable."""
    t0 = time.perf_counter()
    calibrator, briers = fit_best_calibrator(fitted.ranker.valid_margin, valid["label"].to_numpy(), _context(valid),
                                             seed=fitted.params.seed)
    seed_cal = fit_platt(seed_scores(valid), valid["label"].to_numpy(), context=None)
    return Calibration(calibrator, seed_cal, briers, time.perf_counter() - t0)


def assemble(fitted: FittedModels, calibration: Calibration, version: str) -> TrainedModels:
    """The servable bundle (booster + calibrator) beside the baselines it is compared with."""
    ranker = RankerBundle(booster=fitted.ranker.booster, calibrator=calibration.calibrator,
                          features=list(MODEL_FEATURES), version=version)
    return TrainedModels(ranker, fitted.logistic, calibration.seed_calibrator, calibration.briers, fitted.params,
                         {**fitted.timings, "calibration_s": calibration.seconds})


def train_models(split: Split, params: RankerParams | None = None, version: str = "dev") -> TrainedModels:
    """Every step on one split, in the order the Dagster assets run them."""
    fitted = fit_models(split, params)
    return assemble(fitted, calibrate(fitted, split.valid), version)


@dataclass
class Evaluation:
    metrics: dict[str, dict[str, float]]  # model -> metric -> value
    predictions: dict[str, tuple[np.ndarray, np.ndarray]]  # model -> (score, probability) on the test rows
    labels: np.ndarray
    queries: np.ndarray

    def table(self) -> pl.DataFrame:
        rows = [{"model": m, **self.metrics[m]} for m in MODEL_ORDER if m in self.metrics]
        return pl.DataFrame(rows)

    def gap_to_oracle(self, model: str = "lightgbm") -> dict[str, float]:
        if "oracle" not in self.metrics:
            return {}
        o, m = self.metrics["oracle"], self.metrics[model]
        return {k: float(o[k] - m[k]) for k in ("auc", "pr_auc", "brier", "bss", "mrr_at_10", "top5_hit")}


def evaluate(models: TrainedModels, test: pl.DataFrame, oracle_probability: np.ndarray | None = None) -> Evaluation:
    y = test["label"].to_numpy().astype(float)
    q = test["query"].to_numpy()
    preds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    seed = seed_scores(test)
    preds["seed_formula"] = (seed, models.seed_calibrator.predict(seed))
    p_log = logistic_proba(models.logistic, test)
    preds["logistic"] = (p_log, p_log)
    pred = models.ranker.predict(test)
    preds["lightgbm"] = (pred.raw, pred.success_probability)
    if oracle_probability is not None:
        oracle = np.asarray(oracle_probability, float)
        preds["oracle"] = (oracle, oracle)
    metrics = {name: score_metrics(q, y, s, p) for name, (s, p) in preds.items()}
    return Evaluation(metrics=metrics, predictions=preds, labels=y, queries=q)
