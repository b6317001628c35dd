"""Fit the logistic baseline and the LightGBM lambdarank ranker (queries = requirements)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ml.features.columns import MODEL_FEATURES


@dataclass(frozen=True)
class RankerParams:
    # Small, slow trees with patient early stopping: labels are noisy (one draw per submission) and queries short,
    # so NDCG on validation is jumpy and bigger trees stop after a handful of rounds.
    num_leaves: int = 7
    learning_rate: float = 0.03
    num_boost_round: int = 1500
    min_data_in_leaf: int = 100
    feature_fraction: float = 0.9
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    early_stopping_rounds: int = 150
    seed: int = 7

    def lightgbm(self) -> dict[str, object]:
        return {
            "objective": "lambdarank", "metric": "ndcg", "eval_at": [10], "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate, "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction, "bagging_fraction": self.bagging_fraction, "bagging_freq": 1,
            "lambda_l2": self.lambda_l2, "seed": self.seed, "deterministic": True, "num_threads": 2,
            "verbosity": -1, "lambdarank_truncation_level": 20,
        }


def matrix(frame: pl.DataFrame, features: tuple[str, ...] = MODEL_FEATURES) -> np.ndarray:
    return np.column_stack([frame[c].to_numpy().astype(np.float64) for c in features])


def _sorted_by_query(frame: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    frame = frame.sort("query", maintain_order=True)
    _, counts = np.unique(frame["query"].to_numpy(), return_counts=True)
    return frame, counts


def fit_ranker(train: pl.DataFrame, valid: pl.DataFrame, params: RankerParams,
               features: tuple[str, ...] = MODEL_FEATURES):
    """LightGBM lambdarank, early-stopped on validation NDCG@10. Returns the Booster."""
    import lightgbm as lgb

    train, g_train = _sorted_by_query(train)
    valid, g_valid = _sorted_by_query(valid)
    dtrain = lgb.Dataset(matrix(train, features), label=train["label"].to_numpy(), group=g_train,
                         feature_name=list(features), free_raw_data=False)
    dvalid = lgb.Dataset(matrix(valid, features), label=valid["label"].to_numpy(), group=g_valid, reference=dtrain)
    return lgb.train(
        params.lightgbm(), dtrain, num_boost_round=params.num_boost_round, valid_sets=[dvalid],
        callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)],
    )


def fit_logistic(train: pl.DataFrame, features: tuple[str, ...] = MODEL_FEATURES, seed: int = 7):
    """Median imputation with missing indicators, standardization, L2 logistic regression."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = matrix(train, features)
    keep = np.isfinite(X).any(axis=0)  # a column with no value at all cannot be imputed
    X = np.where(np.isfinite(X), X, np.nan)
    model = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                          StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=seed))
    model.fit(X, train["label"].to_numpy().astype(int))
    model.kept_columns_ = keep
    return model


def logistic_proba(model, frame: pl.DataFrame, features: tuple[str, ...] = MODEL_FEATURES) -> np.ndarray:
    X = matrix(frame, features)
    return model.predict_proba(np.where(np.isfinite(X), X, np.nan))[:, 1]


def feature_importance(booster) -> dict[str, float]:
    gains = booster.feature_importance(importance_type="gain")
    return {name: float(g) for name, g in zip(booster.feature_name(), gains, strict=True)}
