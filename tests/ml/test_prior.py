"""The cold-start prior: fields hidden at real rates, monotone in every feature, text-only pairs ranked on text,
and no history feature in it (it must not carry any tenant's outcomes)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ml.features.columns import FACTOR_OF_FEATURE
from ml.features.entities import SkillGraph, consultants_from_records, requirements_from_records
from ml.training.dataset import build_training_frame, time_split
from ml.training.prior import PRIOR_FEATURES, REAL_UNKNOWN_RATES, fit_prior, hide_like_real
from tests.ml.synthetic import make_world


@pytest.fixture(scope="module")
def split():
    world = make_world(SkillGraph.from_taxonomy(curated=True), n_consultants=400, n_requirements=600, per_requirement=10, seed=5)
    graph = SkillGraph.from_taxonomy(curated=True).for_records(world.requirements, world.consultants)
    frame = build_training_frame(requirements_from_records(world.requirements, graph),
                                 consultants_from_records(world.consultants, graph), world.submissions, graph)
    return time_split(frame)


def test_prior_uses_no_history_vendor_or_visa_mix_features():
    assert {FACTOR_OF_FEATURE[f] for f in PRIOR_FEATURES}.isdisjoint({"history"})
    assert not {"visa_fit", "rate_ratio_best_quote", "best_quote_from_prime", "client_win_rate"} & set(PRIOR_FEATURES)


def test_hide_like_real_hides_each_group_at_its_rate_and_recomputes_role(split):
    frame = split.train.with_columns(pl.lit(0.5).alias("title_similarity"), pl.lit(0.8).alias("embedding_cosine"),
                                     pl.lit(1.0).alias("rate_score"))
    hidden = hide_like_real(frame, seed=3)
    for column, group in (("rate_score", "rate"), ("title_similarity", "title")):
        share = float(np.isnan(hidden[column].to_numpy()).mean())
        assert abs(share - REAL_UNKNOWN_RATES[group]) < 0.05, (column, share)
    # Where the title was hidden, the role is the text cosine alone (0.8 -> (0.8 - 0.2) / 0.6 = 1.0).
    no_title = np.isnan(hidden["title_similarity"].to_numpy())
    assert np.allclose(hidden["role_score"].to_numpy()[no_title], 1.0)
    assert np.all(hidden["role_score"].to_numpy()[~no_title] < 1.0)


def test_prior_is_monotone_and_ranks_text_only_pairs_on_text(split):
    bundle = fit_prior(split)
    assert bundle.features == list(PRIOR_FEATURES)
    n = 50
    grid = np.linspace(0.0, 1.0, n)
    text_only = pl.DataFrame({f: np.full(n, np.nan) for f in PRIOR_FEATURES}).with_columns(
        pl.Series("role_score", grid), pl.Series("embedding_cosine", 0.2 + 0.6 * grid))
    pred = bundle.predict(text_only)
    assert np.all(np.isfinite(pred.match_score)) and np.all(np.isfinite(pred.success_probability))
    assert np.all(np.diff(pred.match_score) >= -1e-12)  # a better text fit never scores lower
    # Explanations still add up with most factors unknown.
    assert np.allclose(pred.baseline + pred.contributions.sum(axis=1), pred.match_score)
    # Better skills with everything else equal never lower the score either.
    full = text_only.with_columns(pl.Series("skills_score", grid), pl.Series("skill_required_coverage", grid))
    assert np.all(np.diff(bundle.predict(full).match_score) >= -1e-12)
