"""Pair features for matching: pure, vectorized (numpy/polars), the same code for training and serving."""

from ml.features.columns import FACTOR_OF_FEATURE, FEATURE_VERSION, MODEL_FEATURES
from ml.features.entities import (
    Consultants,
    Requirements,
    SkillGraph,
    consultants_from_records,
    requirements_from_records,
)
from ml.features.history import HistoryIndex, OutcomeEvents
from ml.features.pairs import compute_pair_features, factor_matrix, snapshot

__all__ = [
    "FACTOR_OF_FEATURE",
    "FEATURE_VERSION",
    "MODEL_FEATURES",
    "Consultants",
    "HistoryIndex",
    "OutcomeEvents",
    "Requirements",
    "SkillGraph",
    "compute_pair_features",
    "consultants_from_records",
    "factor_matrix",
    "requirements_from_records",
    "snapshot",
]
