"""Offline evaluation: probability quality (AUC, PR-AUC, Brier, BSS, ECE) and ranking quality per requirement."""

from ml.evaluation.metrics import (
    brier,
    brier_skill_score,
    expected_calibration_error,
    ranking_metrics,
    score_metrics,
)

__all__ = ["brier", "brier_skill_score", "expected_calibration_error", "ranking_metrics", "score_metrics"]
