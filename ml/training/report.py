"""The evaluation step's report: every model's metrics on the test period, the paired bootstrap of LightGBM
against each baseline, the ECE noise floor, and its files (reliability, PR and feature-importance plots and
evaluation.json), which the registration step logs beside the model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ml.evaluation.metrics import bootstrap_differences, ece_noise_floor
from ml.evaluation.plots import feature_importance_plot, pr_curve, reliability_diagram
from ml.ranking.trainer import feature_importance
from ml.training.pipeline import Evaluation, TrainedModels, evaluate

BASELINES = ("logistic", "seed_formula")


@dataclass(frozen=True)
class EvaluationReport:
    evaluation: Evaluation
    ece_noise_floor_95: float
    lightgbm_versus: dict[str, dict[str, dict[str, float]]]  # baseline -> metric -> difference, ci95_low, ci95_high
    files: dict[str, Path]  # reliability, pr_curve, feature_importance (PNG), evaluation (JSON)

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        return self.evaluation.metrics

    @property
    def has_oracle(self) -> bool:
        return "oracle" in self.evaluation.metrics

    def summary(self) -> dict[str, object]:
        """What is logged beside the model (evaluation.json)."""
        return {"metrics": self.metrics, "gap_to_oracle": self.evaluation.gap_to_oracle(),
                "ece_noise_floor_95": self.ece_noise_floor_95, "lightgbm_versus": self.lightgbm_versus}


def evaluation_report(trained: TrainedModels, test: pl.DataFrame, oracle: np.ndarray | None,
                      folder: Path) -> EvaluationReport:
    ev = evaluate(trained, test, oracle)
    probs = {m: p for m, (_, p) in ev.predictions.items()}
    folder.mkdir(parents=True, exist_ok=True)
    files = {"reliability": reliability_diagram(ev.labels, probs, folder / "reliability.png"),
             "pr_curve": pr_curve(ev.labels, probs, folder / "pr_curve.png"),
             "feature_importance": feature_importance_plot(feature_importance(trained.ranker.booster),
                                                           folder / "feature_importance.png")}
    # Is LightGBM really better, or is it a few requirements' luck? Paired bootstrap over test requirements.
    versus = {other: {k: {"difference": d, "ci95_low": lo, "ci95_high": hi} for k, (d, lo, hi) in
                      bootstrap_differences(ev.queries, ev.labels, ev.predictions["lightgbm"],
                                            ev.predictions[other]).items()}
              for other in BASELINES}
    files["evaluation"] = folder / "evaluation.json"
    report = EvaluationReport(ev, ece_noise_floor(probs["lightgbm"]), versus, files)
    files["evaluation"].write_text(json.dumps(report.summary(), indent=2, default=str))
    return report
