"""The cold-start prior: a ranker that uses no tenant's outcomes, for tenants without a champion of their own.

It learns how much each factor of the explainable score is worth from the demo world's hidden outcome process, but
only through features that describe the pair itself — text fit and the seed factors' values, never submission
history, vendor quotes or a tenant's visa-policy mix — and with the structured fields hidden at the rates real input
hides them, so a text-only pair is ranked on its text. Every feature is constrained monotone increasing: a better
fit never lowers the score, which keeps the prior sane on text it was not fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ml.calibration.calibrators import fit_platt
from ml.features.text_fit import role_fit
from ml.ranking.bundle import RankerBundle
from ml.ranking.trainer import margin_output
from ml.training.dataset import Split

PRIOR_FEATURES: tuple[str, ...] = (
    "role_score", "embedding_cosine", "title_similarity",
    "skills_score", "skill_required_coverage",
    "location_score", "rate_score", "seniority_score", "availability_score",
)
# Share of pairs whose field group is unknown on real input, measured by benchmarks/real_text_quality.py on the 268
# real resume / JD dev pairs (2026-11-29: skills 4%, title overlap 69%, location 79%, rate 100%, seniority 31%,
# availability 100%): postings and resumes rarely state both sides of a rate, a place or a start date. Rate and
# availability keep a sliver of known rows so the prior still learns their direction for the inputs that have them.
REAL_UNKNOWN_RATES: dict[str, float] = {
    "skills": 0.05, "title": 0.70, "location": 0.80, "rate": 0.98, "seniority": 0.30, "availability": 0.98,
}
_GROUP_FEATURES: dict[str, tuple[str, ...]] = {
    "skills": ("skills_score", "skill_required_coverage"),
    "title": ("title_similarity",),
    "location": ("location_score",),
    "rate": ("rate_score",),
    "seniority": ("seniority_score",),
    "availability": ("availability_score",),
}


@dataclass(frozen=True)
class PriorParams:
    num_leaves: int = 4
    learning_rate: float = 0.05
    num_boost_round: int = 600
    min_data_in_leaf: int = 100
    lambda_l2: float = 1.0
    early_stopping_rounds: int = 60
    seed: int = 7

    def lightgbm(self) -> dict[str, object]:
        return {"objective": "binary", "metric": "binary_logloss", "num_leaves": self.num_leaves,
                "learning_rate": self.learning_rate, "min_data_in_leaf": self.min_data_in_leaf,
                "lambda_l2": self.lambda_l2, "monotone_constraints": [1] * len(PRIOR_FEATURES),
                "monotone_constraints_method": "advanced", "seed": self.seed, "deterministic": True,
                "num_threads": 2, "verbosity": -1}


def hide_like_real(frame: pl.DataFrame, rates: dict[str, float] = REAL_UNKNOWN_RATES, seed: int = 7) -> pl.DataFrame:
    """The frame with each field group set unknown (NaN) at its real-input rate, independently per row; the role
    score is recomputed from what is left, as the feature code would have."""
    rng = np.random.default_rng(seed)
    columns = {c: frame[c].to_numpy().astype(np.float64).copy() for c in PRIOR_FEATURES}
    for group, rate in rates.items():
        hidden = rng.random(frame.height) < rate
        for name in _GROUP_FEATURES[group]:
            columns[name][hidden] = np.nan
    columns["role_score"] = role_fit(columns["embedding_cosine"], columns["title_similarity"])
    return frame.with_columns([pl.Series(c, v) for c, v in columns.items()])


def _matrix(frame: pl.DataFrame) -> np.ndarray:
    return np.column_stack([frame[c].to_numpy().astype(np.float64) for c in PRIOR_FEATURES])


def fit_prior(split: Split, params: PriorParams | None = None, version: str = "prior-dev") -> RankerBundle:
    """Fit on train (hidden like real input), early-stop and calibrate (Platt) on validation, refit on both."""
    import lightgbm as lgb

    params = params or PriorParams()
    train = hide_like_real(split.train, seed=params.seed)
    valid = hide_like_real(split.valid, seed=params.seed + 1)
    dtrain = lgb.Dataset(_matrix(train), train["label"].to_numpy(), feature_name=list(PRIOR_FEATURES))
    dvalid = lgb.Dataset(_matrix(valid), valid["label"].to_numpy(), reference=dtrain)
    first = lgb.train(params.lightgbm(), dtrain, num_boost_round=params.num_boost_round, valid_sets=[dvalid],
                      callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)])
    rounds = max(int(first.best_iteration or params.num_boost_round), 1)
    calibrator = fit_platt(first.predict(_matrix(valid), raw_score=True), valid["label"].to_numpy(), context=None)
    both = pl.concat([train, valid], how="vertical_relaxed")
    final = lgb.train(params.lightgbm(), lgb.Dataset(_matrix(both), both["label"].to_numpy(),
                                                     feature_name=list(PRIOR_FEATURES)), num_boost_round=rounds)
    return RankerBundle(booster=margin_output(final), calibrator=calibrator, features=list(PRIOR_FEATURES), version=version)


def hidden_test_metrics(test: pl.DataFrame, models: dict[str, RankerBundle | None], params: PriorParams | None = None
                        ) -> dict[str, dict[str, float]]:
    """Each model's metrics on the test period with fields hidden as real input hides them (None: the seed formula,
    its score doubling as its probability), so the prior is judged on the inputs it is for."""
    from ml.evaluation.metrics import score_metrics
    from ml.training.pipeline import seed_scores

    params = params or PriorParams()
    hidden = hide_like_real(test, seed=params.seed + 2)
    queries, labels = hidden["query"].to_numpy(), hidden["label"].to_numpy()
    out = {}
    for name, model in models.items():
        if model is None:
            score = seed_scores(hidden)
            out[name] = score_metrics(queries, labels, score, score)
        else:
            pred = model.predict(hidden)
            out[name] = score_metrics(queries, labels, pred.raw, pred.success_probability)
    return out
