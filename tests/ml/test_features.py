"""Pair features and the explainable score: edge cases, unknown inputs, partial credit, no leakage."""

from __future__ import annotations

import math
import uuid
from datetime import date

import numpy as np
import pytest

from ml.features.entities import SkillGraph, consultants_from_records, requirements_from_records, to_day
from ml.features.history import HistoryIndex, OutcomeEvents
from ml.features.pairs import compute_pair_features, factor_matrix, snapshot
from ml.scoring import FACTORS, WEIGHTS, explainable_score, explainable_scores, reasons


@pytest.fixture(scope="module")
def graph() -> SkillGraph:
    return SkillGraph.from_taxonomy(curated=True)


def _ids(graph: SkillGraph, *names: str) -> list[int]:
    return [graph.id_for_name(n) for n in names]


def _pair(graph, req: dict, con: dict, history: HistoryIndex | None = None, at: date = date(2026, 1, 10)):
    reqs = requirements_from_records([{"id": uuid.uuid4(), **req}], graph)
    cons = consultants_from_records([{"id": uuid.uuid4(), **con}], graph)
    frame = compute_pair_features(reqs, cons, np.array([0]), np.array([0]), to_day(at), graph=graph, history=history)
    return frame, snapshot(frame, 0, reqs, cons, graph)


def test_weights_sum_to_one_in_factor_order():
    assert FACTORS == ("skills", "role", "location", "rate", "seniority", "history", "availability")
    assert math.isclose(sum(WEIGHTS.values()), 1.0)


def test_explainable_score_contributions_add_up_and_unknowns_are_weighted_out():
    full = explainable_score({f"{f}_score": 1.0 for f in FACTORS})
    assert math.isclose(full.match_score, 1.0)
    partial = explainable_score({"skills_score": 0.5, "rate_score": None, "location_score": float("nan")})
    assert partial.factors["rate"].status == "unknown" and partial.factors["rate"].weight == 0
    assert partial.factors["location"].status == "unknown"
    assert math.isclose(partial.match_score, 0.5)  # only skills known: its weight renormalizes to 1
    assert math.isclose(sum(f.contribution for f in partial.factors.values()), partial.match_score)


def test_explainable_scores_with_nothing_known_is_zero_not_nan():
    score, contrib, weights = explainable_scores(np.full((3, len(FACTORS)), np.nan))
    assert np.all(score == 0) and np.all(contrib == 0) and np.all(weights == 0)


@pytest.mark.parametrize(("rate", "budget", "low", "high"), [
    (50, 70, 0.95, 1.0), (70, 70, 0.75, 0.9), (77, 70, 0.55, 0.75), (95, 70, 0.0, 0.2),
])
def test_rate_fitness_is_sigmoid_of_margin(graph, rate, budget, low, high):
    frame, _ = _pair(graph, {"bill_rate_max": budget}, {"hourly_rate": rate})
    assert low <= frame["rate_score"][0] <= high


@pytest.mark.parametrize(("years", "need", "low", "high"), [
    (10, 8, 0.99, 1.0), (6, 8, 0.5, 0.7), (3, 8, 0.0, 0.1), (30, 8, 0.6, 0.7),
])
def test_seniority_penalizes_under_more_than_over(graph, years, need, low, high):
    frame, _ = _pair(graph, {"min_years": need}, {"years_experience": years})
    assert low <= frame["seniority_score"][0] <= high


def test_location_uses_distance_onsite_and_time_zone_remote(graph):
    dallas = {"lat": 32.78, "lon": -96.80, "timezone": "America/Chicago"}
    plano = {"lat": 33.02, "lon": -96.70, "timezone": "America/Chicago", "city": "Plano", "state": "TX"}
    seattle = {"lat": 47.61, "lon": -122.33, "timezone": "America/Los_Angeles"}
    near, snap = _pair(graph, {**dallas, "work_mode": "onsite"}, plano)
    far, _ = _pair(graph, {**dallas, "work_mode": "onsite"}, seattle)
    remote, _ = _pair(graph, {**dallas, "work_mode": "remote"}, seattle)
    assert 15 < near["distance_mi"][0] < 20 and near["location_score"][0] > 0.85
    assert far["location_score"][0] < 0.01
    assert remote["tz_diff_hours"][0] == 2 and 0.4 < remote["location_score"][0] < 0.6
    assert "Plano, TX — 18 mi" in reasons(snap)


def test_skill_partial_credit_child_implies_parent(graph):
    java, spring_boot, kafka = _ids(graph, "Java", "Spring Boot", "Kafka")
    frame, snap = _pair(graph, {"skills": [(java, True), (kafka, True)]}, {"skills": [spring_boot, kafka]})
    # Kafka exact (1.0) + Java via Spring Boot (0.8), both required: (1 + 0.8) / 2
    assert math.isclose(frame["skill_coverage"][0], 0.9, abs_tol=1e-6)
    assert snap["matched_skills"] == ["Java", "Kafka"]
    assert reasons(snap)[0].startswith("Skill overlap 90% (Java, Kafka)")


def test_required_skills_weigh_more_than_nice_to_have(graph):
    java, kafka = _ids(graph, "Java", "Kafka")
    has_required, _ = _pair(graph, {"skills": [(java, True), (kafka, False)]}, {"skills": [java]})
    has_nice, _ = _pair(graph, {"skills": [(java, True), (kafka, False)]}, {"skills": [kafka]})
    assert has_required["skill_coverage"][0] > has_nice["skill_coverage"][0]


@pytest.mark.parametrize("req,con,unknown", [
    ({}, {}, {"skills", "location", "rate", "seniority", "history"}),
    ({"skills": []}, {"hourly_rate": 60}, {"skills", "rate"}),
    ({"bill_rate_max": 70}, {"hourly_rate": None}, {"rate"}),
    ({"lat": None, "lon": None, "work_mode": "onsite"}, {"lat": 30.0, "lon": -97.0}, {"location"}),
    ({"embedding": [0.1] * 8}, {"embedding": None}, {"skills"}),
])
def test_bad_input_marks_factor_unknown_and_never_nan(graph, req, con, unknown):
    frame, snap = _pair(graph, req, con)
    scored = explainable_score(snap)
    assert {f for f, r in scored.factors.items() if r.status == "unknown"} >= unknown
    assert not math.isnan(scored.match_score)
    assert all(isinstance(s, str) and s for s in reasons(snap, scored.factors))
    assert np.isfinite(explainable_scores(factor_matrix(frame))[0]).all()


def test_history_counts_only_outcomes_before_the_pair_day():
    c = "consultant-1"
    events = OutcomeEvents(consultant_key=[c, c, c], client_key=["client", "client", "client"],
                           outcome_day=np.array([100.0, 110.0, 200.0]), label=np.array([1.0, 0.0, 1.0]))
    index = HistoryIndex(events)
    at_150 = index.features([c], ["client"], np.array([150.0]))
    # Only days 100 (win) and 110 (loss) are known at day 150.
    future_free = HistoryIndex(OutcomeEvents([c, c], ["client", "client"], np.array([100.0, 110.0]),
                                             np.array([1.0, 0.0]))).features([c], ["client"], np.array([150.0]))
    for key in ("consultant_win_rate", "consultant_n_prior", "client_win_rate", "history_score"):
        assert math.isclose(at_150[key][0], future_free[key][0])
    at_100 = index.features([c], ["client"], np.array([100.0]))  # the same-day outcome is not yet known
    assert at_100["consultant_n_prior"][0] == 0 and math.isnan(at_100["history_score"][0])
    assert 0 < at_150["consultant_n_prior"][0] < 2  # decayed count of two events


def test_history_recency_weighs_recent_outcomes_more():
    c = "k"
    recent_win = HistoryIndex(OutcomeEvents([c, c], [None, None], np.array([0.0, 300.0]), np.array([0.0, 1.0])))
    old_win = HistoryIndex(OutcomeEvents([c, c], [None, None], np.array([0.0, 300.0]), np.array([1.0, 0.0])))
    day = np.array([310.0])
    assert recent_win.features([c], [None], day)["consultant_win_rate"][0] > \
        old_win.features([c], [None], day)["consultant_win_rate"][0]


def test_skill_depth_reads_years_with_each_skill_relative_to_the_career(graph):
    python, tableau = _ids(graph, "Python", "Tableau")  # unrelated: no partial credit between them
    req = {"skills": [(python, True), (tableau, True)]}
    deep = {"years_experience": 10, "skills": [(python, 9.0), (tableau, 8.0)]}
    shallow = {"years_experience": 10, "skills": [(python, 9.0), (tableau, 1.0)]}
    no_years = {"years_experience": 10, "skills": [python, tableau]}
    f_deep, _ = _pair(graph, req, deep)
    f_shallow, _ = _pair(graph, req, shallow)
    f_unknown, _ = _pair(graph, req, no_years)
    assert f_deep["skill_depth_required"][0] == pytest.approx(0.85)
    assert f_deep["skill_depth_min_required"][0] == pytest.approx(0.8)
    assert f_shallow["skill_depth_min_required"][0] == pytest.approx(0.1)
    # Same listed skills, so coverage cannot tell them apart; only depth does.
    assert f_deep["skill_required_coverage"][0] == f_shallow["skill_required_coverage"][0] == 1.0
    # No per-skill years: depth is unknown (NaN), not zero.
    assert np.isnan(f_unknown["skill_depth_required"][0]) and f_unknown["skill_required_coverage"][0] == 1.0


def test_nice_to_have_coverage_counts_only_nice_skills(graph):
    java, kafka, docker = _ids(graph, "Java", "Kafka", "Docker")
    frame, _ = _pair(graph, {"skills": [(java, True), (kafka, False), (docker, False)]},
                     {"skills": [java, kafka]})
    assert frame["skill_nice_coverage"][0] == pytest.approx(0.5)
    none_nice, _ = _pair(graph, {"skills": [(java, True)]}, {"skills": [java]})
    assert np.isnan(none_nice["skill_nice_coverage"][0])


def test_visa_fit_uses_the_stated_policy_or_the_tenants_policy_mix(graph):
    from ml.features.pairs import visa_acceptance_rates

    assert visa_acceptance_rates([frozenset({"USC"})] * 5) == {}  # too few stated policies to say anything
    policies = [frozenset({"USC", "GC"})] * 30 + [frozenset({"USC", "GC", "H1B"})] * 10
    rates = visa_acceptance_rates(policies + [None] * 50)
    assert rates["USC"] == 1.0 and rates["H1B"] == pytest.approx(0.25) and "OPT" not in rates
    reqs = requirements_from_records([{"id": uuid.uuid4(), "visa_accepted": ["USC", "GC"]},
                                      {"id": uuid.uuid4(), "visa_accepted": None}], graph)
    cons = consultants_from_records([{"id": uuid.uuid4(), "visa_status": v} for v in ("H1B", "USC", "OPT")], graph)
    ri, ci = np.array([0, 1, 1, 1]), np.array([0, 0, 1, 2])
    frame = compute_pair_features(reqs, cons, ri, ci, 20_000.0, graph=graph, visa_rates=rates)
    assert frame["visa_match"][0] == 0.0 and frame["visa_fit"][0] == 0.0  # stated and not accepted
    assert np.isnan(frame["visa_match"][1])  # unstated: the hard filter does not apply...
    assert frame["visa_fit"][1] == pytest.approx(0.25)  # ...but an H1B is accepted by a quarter of policies
    assert frame["visa_fit"][2] == 1.0 and frame["visa_fit"][3] == 0.0


def test_skill_position_says_where_required_skills_sit_in_the_resume_list(graph):
    python, tableau, docker = _ids(graph, "Python", "Tableau", "Docker")
    req = {"skills": [(python, True), (tableau, True)]}
    # Resumes lead with their strongest skills: Tableau listed last of four is weaker evidence than listed first.
    last = {"skills": [(python, None, True, 0), (docker, None, True, 1), (tableau, None, False, 3)]}
    first = {"skills": [(tableau, None, True, 0), (python, None, True, 1), (docker, None, False, 3)]}
    f_last, _ = _pair(graph, req, last)
    f_first, _ = _pair(graph, req, first)
    assert f_last["skill_position_worst_required"][0] == pytest.approx(3.5 / 4)
    assert f_first["skill_position_worst_required"][0] == pytest.approx(1.5 / 4)
    assert f_first["skill_position_mean_required"][0] == pytest.approx((0.5 + 1.5) / 8)
    unplaced, _ = _pair(graph, req, {"skills": [python, tableau]})
    assert np.isnan(unplaced["skill_position_worst_required"][0])


def test_best_quote_ratio_uses_the_highest_vendor_quote(graph):
    frame, _ = _pair(graph, {"bill_rate_max": 60, "rate_quoted_best": 75, "rate_quoted_prime": 75},
                     {"hourly_rate": 66})
    assert frame["rate_ratio"][0] == pytest.approx(1.1)  # over the first vendor's rate...
    assert frame["rate_ratio_best_quote"][0] == pytest.approx(0.88)  # ...but under what the prime vendor quoted
    assert frame["best_quote_from_prime"][0] == 1.0
    no_quotes, _ = _pair(graph, {"bill_rate_max": 60}, {"hourly_rate": 66})
    assert no_quotes["rate_ratio_best_quote"][0] == pytest.approx(1.1)
    assert np.isnan(no_quotes["best_quote_from_prime"][0])


def test_availability_reason_says_what_work_authorization_adds():
    from ml.scoring.reasons import _availability

    assert _availability({"days_late": 0.0, "visa_match": 1.0, "visa_fit": 1.0}) == (
        "Available by the start date; work authorization accepted")
    assert _availability({"days_late": 17.0, "visa_match": None, "visa_fit": 0.5}) == (
        "Available 17 days after the start date; visa policy not stated (this visa is accepted by 50% of stated "
        "policies)")
    assert _availability({"days_late": None}) == "Availability unknown"
