"""The cold-start prior: fields hidden at real rates, monotone in every feature, text-only pairs ranked on text,
and no history feature in it (it must not carry any tenant's outcomes)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ml.features.columns import FACTOR_OF_FEATURE
from ml.training.prior import PRIOR_FEATURES, REAL_UNKNOWN_RATES, fit_prior, hide_like_real
from tests.ml.synthetic import synthetic_split


@pytest.fixture(scope="module")
def split():
    return synthetic_split(n_consultants=400, n_requirements=600, per_requirement=10, seed=5)


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


def _pairs_file(tmp_path):
    import csv

    from tests.ml.texts import ACCOUNTANT, BARISTA, POSTING

    java = ("Senior Java Developer\nDallas, TX. Contract, 12 months. Must have Java, Spring Boot, Kafka and AWS; "
            "React is a plus.")
    java_cv = ("Summary: Java developer with 9 years building Spring Boot microservices on AWS with Kafka and React "
               "front ends for banks in Dallas, TX.")
    rows = [(POSTING, ACCOUNTANT, 1), (POSTING, BARISTA, 0), (java, java_cv, 1), (java, BARISTA, 0),
            (POSTING, java_cv, 0), (java, ACCOUNTANT, 0), ("", "x", 1), (java, java_cv, "n/a")]
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["pair_id", "requirement_text", "resume_text", "label"])
        writer.writerows([(i, a, b, y) for i, (a, b, y) in enumerate(rows)])
    return path


def test_real_pairs_check_scores_model_and_seed_formula_and_caches(tmp_path, split):
    from ml.evaluation.real_pairs import check_on_real_pairs, labelled_pair_features

    path, cache = _pairs_file(tmp_path), tmp_path / "cache"
    check = check_on_real_pairs(fit_prior(split), path, cache)
    # The unlabelled row is left out; the empty one cannot be featurized and ranks below every scored pair.
    assert check.pairs == 7 and 0.0 <= check.model_auc <= 1.0 and 0.0 <= check.seed_formula_auc <= 1.0
    assert check.seed_formula_auc > 0.5  # text fit alone separates the accountant from the barista
    assert list(cache.glob("*.parquet"))
    again = labelled_pair_features(path, cache)
    assert again.rows == 7 and len(again.scored) == 6 and again.frame.height == 6
    assert np.isnan(again.spread(np.ones(6))).sum() == 1
    assert check_on_real_pairs(None, None) is None  # no data here: no check, nothing vetoed


def test_gate_never_promotes_a_model_that_ranks_real_pairs_below_the_seed_formula():
    from ml.evaluation.real_pairs import RealPairsCheck
    from ml.registry import GateDecision, with_real_pairs

    winning = GateDecision(True, "beats champion")
    worse = with_real_pairs(winning, RealPairsCheck(0.58, 0.62, 268, "dev"))
    assert not worse.promote and "real pairs AUC 0.5800 < seed formula 0.6200" in worse.reason
    better = with_real_pairs(winning, RealPairsCheck(0.66, 0.62, 268, "dev"))
    assert better.promote and "0.6600 ≥" in better.reason
    assert with_real_pairs(winning, None) == winning
