"""The explainable score (matching v2): six factors, fixed weights, unknown inputs weighted out.

Pure and light (numpy only) so the API can import it without LightGBM, MLflow or Dagster.
"""

from ml.scoring.formula import (
    FACTOR_SCORE_COLUMNS,
    FACTORS,
    SEED_MODEL_VERSION,
    WEIGHTS,
    FactorResult,
    ScoredPair,
    explainable_score,
    explainable_scores,
)
from ml.scoring.reasons import reasons

__all__ = [
    "FACTORS",
    "FACTOR_SCORE_COLUMNS",
    "SEED_MODEL_VERSION",
    "WEIGHTS",
    "FactorResult",
    "ScoredPair",
    "explainable_score",
    "explainable_scores",
    "reasons",
]
