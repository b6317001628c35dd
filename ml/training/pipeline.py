"""Fit every model on a split and evaluate them side by side on the future test period (plus the oracle)."""

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
from ml.ranking.trainer import RankerParams, fit_final_ranker, fit_logistic, logistic_proba
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


@dataclass
class TrainedModels:
    ranker: RankerBundle
    logistic: object
    seed_calibrator: Calibrator
    calibration_briers: dict[str, float]
    params: RankerParams
    timings: dict[str, float] = field(default_factory=dict)


def train_models(split: Split, params: RankerParams | None = None, version: str = "dev") -> TrainedModels:
    params = params or RankerParams()
    t0 = time.perf_counter()
    fitted = fit_final_ranker(split.train, split.valid, params)
    booster = fitted.booster
    t1 = time.perf_counter()
    # The baseline sees the same labelled history as the final ranker.
    logistic = fit_logistic(labelled_history(split.train, split.valid, params), seed=params.seed)
    t2 = time.perf_counter()
    calibrator, briers = fit_best_calibrator(fitted.valid_margin, split.valid["label"].to_numpy(), _context(split.valid),
                                             seed=params.seed)
    # The seed formula gets the same courtesy (Platt on validation) so its Brier is comparable.
    seed_cal = fit_platt(seed_scores(split.valid), split.valid["label"].to_numpy(), context=None)
    t3 = time.perf_counter()
    ranker = RankerBundle(booster=booster, calibrator=calibrator, features=list(MODEL_FEATURES), version=version)
    return TrainedModels(ranker, logistic, seed_cal, briers, params,
                         {"ranker_s": t1 - t0, "logistic_s": t2 - t1, "calibration_s": t3 - t2})


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
