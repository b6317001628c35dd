"""The expectation suites, as code: one per checked dataset. Each expectation names the Dagster asset check whose
verdict it decides (`meta={"check": ...}`), so a check passes exactly when its expectations do; add an expectation
here and it shows up in that check, in its metadata and in Data Docs.

Imported only by ml.quality.runner (Great Expectations loads here)."""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from ml.quality.thresholds import MAX_MISSING_TITLE_OR_SKILLS, MAX_SHARED_KEY_RATE, PLAUSIBLE_HOURLY_USD

LOW, HIGH = PLAUSIBLE_HOURLY_USD
SCORES = ("skills_score", "role_score", "location_score", "rate_score", "seniority_score", "history_score",
          "availability_score")
SHARES = ("skill_coverage", "skill_required_coverage", "skill_jaccard", "skill_nice_coverage", "consultant_win_rate",
          "client_win_rate")
FLAGS = ("is_remote", "is_hybrid", "consultant_relocates")
COUNTS = ("n_required_skills", "n_missing_required", "consultant_n_prior", "client_n_prior", "distance_mi")

# Requirements still waiting for extraction have no title or skills yet: the completeness rule skips them.
EXTRACTED = {"row_condition": Column("extraction_status") != "pending"}


def _check(name: str) -> dict:
    return {"meta": {"check": name}}


def parsed_requirements() -> gx.ExpectationSuite:
    complete, rates, dedupe = (_check(n) for n in ("requirements_have_title_and_skills", "rates_in_plausible_range",
                                                  "duplicate_rate_below_5pct"))
    mostly = 1 - MAX_MISSING_TITLE_OR_SKILLS
    return gx.ExpectationSuite(name="parsed_requirements", expectations=[
        gxe.ExpectColumnValuesToNotBeNull(column="title", mostly=mostly, **EXTRACTED, **complete),
        gxe.ExpectColumnValuesToBeBetween(column="skill_count", min_value=1, mostly=mostly, **EXTRACTED, **complete),
        gxe.ExpectColumnValuesToBeBetween(column="bill_rate_max", min_value=LOW, max_value=HIGH, **rates),
        # Open requirements sharing a title+client key with another one: dedupe missed them.
        gxe.ExpectColumnValuesToBeUnique(column="open_dedupe_key", mostly=1 - MAX_SHARED_KEY_RATE, **dedupe),
    ])


def consultants() -> gx.ExpectationSuite:
    rates = _check("consultant_rates_in_plausible_range")
    return gx.ExpectationSuite(name="consultants", expectations=[
        gxe.ExpectColumnValuesToBeBetween(column="hourly_rate", min_value=LOW, max_value=HIGH, **rates),
    ])


def pair_features() -> gx.ExpectationSuite:
    """The training frame: keys, label, and every bounded feature within its bounds (unknown = NaN is allowed)."""
    valid = _check("pair_features_within_bounds")
    return gx.ExpectationSuite(name="pair_features", expectations=[
        gxe.ExpectColumnValuesToNotBeNull(column="submission_id", **valid),
        gxe.ExpectColumnValuesToBeUnique(column="submission_id", **valid),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, **valid) for c in ("requirement_id", "consultant_id",
                                                                         "received_day")),
        gxe.ExpectColumnValuesToBeInSet(column="label", value_set=[0, 1], **valid),
        # Both outcomes present: a frame of only failures (or only successes) cannot train a ranker.
        gxe.ExpectColumnMeanToBeBetween(column="label", min_value=0.01, max_value=0.99, **valid),
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1, **valid) for c in (*SCORES, *SHARES)),
        *(gxe.ExpectColumnValuesToBeInSet(column=c, value_set=[0.0, 1.0], **valid) for c in FLAGS),
        *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, **valid) for c in COUNTS),
        gxe.ExpectColumnValuesToBeBetween(column="embedding_cosine", min_value=-1, max_value=1, **valid),
    ])


def submission_funnel() -> gx.ExpectationSuite:
    """The marts' input: a submission's dates in funnel order (its status set is a dbt accepted_values test)."""
    consistent = _check("submission_funnel_is_consistent")
    pair = {"or_equal": True, "ignore_row_if": "either_value_is_missing"}
    return gx.ExpectationSuite(name="submission_funnel", expectations=[
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="closed_at", column_B="submitted_at", **pair,
                                                    **consistent),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="first_interview_at", column_B="submitted_at", **pair,
                                                    **consistent),
    ])


SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {
    "parsed_requirements": parsed_requirements, "consultants": consultants, "pair_features": pair_features,
    "submission_funnel": submission_funnel,
}
