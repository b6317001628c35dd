"""Each KPI against a hand computation on the tenant of tests/dbt/kpi_world.py (week of Monday 2026-01-05).

The numbers in comments are the hand computation; the fixture's docstring lists the events.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa


def _rows(admin_engine, sql: str, **params) -> list[dict]:
    with admin_engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


def _one(admin_engine, sql: str, **params) -> dict:
    rows = _rows(admin_engine, sql, **params)
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(scope="module")
def world(built_marts):
    return built_marts.world


@pytest.fixture(scope="module")
def week(admin_engine, world) -> dict:
    return _one(admin_engine, "select * from marts.kpi_tenant_period where tenant_id = :t and period_grain = 'week' "
                "and period_start = '2026-01-05'", t=world.tenant_id)


def test_pipeline_throughput_counts_events_of_the_week(week):
    # Q1-Q3 imported; S1,S2,S3,S5,S6 sent (S4 is a draft); interviews S1 r1, S1 r2, S3 (S2's was cancelled);
    # one offer (S1); no placement starts this week (P1 starts 01-12, P2 02-02)
    assert (week["requirements_ingested"], week["submissions"], week["interviews"], week["offers"],
            week["placements"]) == (3, 5, 3, 1, 0)
    assert week["period_end"] == date(2026, 1, 12)


def test_stage_conversion_rates_follow_the_submission_cohort(week):
    # cohort of 5: interviewed S1,S3 = 2/5; of those offered S1 = 1/2; offered and placed 1/1; placed S1,S5 = 2/5
    assert week["cohort_submissions"] == 5
    assert week["submission_to_interview_rate"] == Decimal("0.4000")
    assert week["interview_to_offer_rate"] == Decimal("0.5000")
    assert week["offer_to_placement_rate"] == Decimal("1.0000")
    assert week["submission_to_placement_rate"] == Decimal("0.4000")


def test_median_time_in_stage_in_days(week):
    # submitted->interview: S1 2.0 d, S3 2.5 d -> 2.25; interview->offer: S1 2.0; offer (01-09 12:00) -> start 01-12
    assert week["median_days_submitted_to_interview"] == Decimal("2.2500")
    assert week["median_days_interview_to_offer"] == Decimal("2.0000")
    assert week["median_days_offer_to_placement"] == Decimal("2.5000")


def test_placements_are_counted_in_the_week_they_start(admin_engine, world):
    rows = _rows(admin_engine, "select period_start, placements from marts.kpi_tenant_period where tenant_id = :t "
                 "and period_grain = 'week' and placements > 0 order by period_start", t=world.tenant_id)
    assert [(r["period_start"], r["placements"]) for r in rows] == [(date(2026, 1, 12), 1), (date(2026, 2, 2), 1)]


def test_time_to_first_recommendation_against_the_five_minute_target(week, admin_engine, world):
    # Q1 3 min (on time), Q2 10 min (late), Q3 only an evaluation run (not production): median 6.5, 1 of 3 on time
    assert week["requirements_recommended"] == 2
    assert week["median_minutes_to_first_recommendation"] == Decimal("6.50")
    assert week["first_recommendation_on_time_rate"] == Decimal("0.3333")
    reqs = {r["requirement_id"]: r for r in _rows(
        admin_engine, "select * from marts.fct_requirements where tenant_id = :t", t=world.tenant_id)}
    q1, q2, q3 = (reqs[world.ids[k]] for k in ("Q1", "Q2", "Q3"))
    assert (q1["minutes_to_first_recommendation"], q1["is_first_recommendation_on_time"]) == (Decimal("3.00"), True)
    assert (q2["minutes_to_first_recommendation"], q2["is_first_recommendation_on_time"]) == (Decimal("10.00"), False)
    assert (q3["minutes_to_first_recommendation"], q3["is_first_recommendation_on_time"]) == (None, None)


def test_top5_hit_rate_in_production(week):
    # advanced cohort submissions with prior recommendations: S1 (K1 rank 1), S3 (K2 rank 1), S5 (K3 rank 7)
    assert (week["top5_eligible_submissions"], week["top5_hits"], week["top5_hit_rate"]) == (3, 2, Decimal("0.6667"))


def test_recommendation_reviews_and_approval_rate(week):
    # production recommendations: 3 (M1) + 2 (M2); reviewed 3, approved 2
    assert (week["recommendations_shown"], week["recommendations_reviewed"], week["recommendations_approved"]) == (
        5, 3, 2)
    assert week["approval_rate"] == Decimal("0.6667")


def test_brier_score_of_the_week(week):
    # outcomes: K1/Q1 .8->1, K2/Q1 .3->0 (Q1 filled), K3/Q1 .1->0 (rejected), K2/Q2 .6->0 (Q2 filled), K3/Q2 .2->1
    # (0.04 + 0.09 + 0.01 + 0.36 + 0.64) / 5 = 0.228
    assert (week["calibration_predictions"], week["brier_score"]) == (5, Decimal("0.2280"))


def test_calibration_bins_per_model_version(admin_engine, world):
    rows = _rows(admin_engine, "select model_version, bin_index, predictions, observed_success_rate, "
                 "model_brier_score from marts.kpi_calibration_bins where tenant_id = :t and predictions > 0 "
                 "order by model_version, bin_index", t=world.tenant_id)
    assert [(r["model_version"], r["bin_index"], r["predictions"], r["observed_success_rate"]) for r in rows] == [
        ("v1", 1, 1, Decimal("0.0000")), ("v1", 3, 1, Decimal("0.0000")), ("v1", 8, 1, Decimal("1.0000")),
        ("v2", 2, 1, Decimal("1.0000")), ("v2", 6, 1, Decimal("0.0000")),
    ]
    brier = {r["model_version"]: r["model_brier_score"] for r in rows}
    assert brier == {"v1": Decimal("0.0467"), "v2": Decimal("0.5000")}  # (.04+.09+.01)/3 ; (.36+.64)/2


def test_match_conversion_funnel_by_model_version(admin_engine, world):
    rows = {r["model_version"]: r for r in _rows(
        admin_engine, "select * from marts.kpi_match_funnel_by_model where tenant_id = :t", t=world.tenant_id)}
    assert set(rows) == {"v1", "v2"}  # the evaluation run's extra v1 pair is not production
    v1, v2 = rows["v1"], rows["v2"]
    assert (v1["pairs_shown"], v1["pairs_approved"], v1["pairs_submitted"], v1["pairs_interviewed"],
            v1["pairs_placed"]) == (3, 1, 1, 1, 1)
    assert (v1["shown_to_approved_rate"], v1["shown_to_placed_rate"]) == (Decimal("0.3333"), Decimal("0.3333"))
    assert (v2["pairs_shown"], v2["pairs_approved"], v2["pairs_submitted"], v2["pairs_interviewed"],
            v2["pairs_placed"]) == (2, 1, 1, 1, 0)
    assert (v2["interviewed_to_placed_rate"], v2["shown_to_placed_rate"]) == (Decimal("0.0000"), Decimal("0.0000"))


def test_recruiter_productivity(admin_engine, world):
    rows = {r["recruiter_id"]: r for r in _rows(
        admin_engine, "select * from marts.kpi_recruiter_productivity where tenant_id = :t", t=world.tenant_id)}
    assert set(rows) == {world.ids["R1"], world.ids["R2"]}  # the service account is not a recruiter
    r1, r2 = rows[world.ids["R1"]], rows[world.ids["R2"]]
    # R1: S1, S2, S6 sent, S1 placed; reviewed K1 (approved) and K2 (rejected); P1 revenue 8000, margin 2400
    assert (r1["submissions"], r1["placements"], r1["placements_per_submission"]) == (3, 1, Decimal("0.3333"))
    assert (r1["recommendations_reviewed"], r1["approvals_per_review"]) == (2, Decimal("0.5000"))
    assert (r1["revenue_usd"], r1["margin_usd"]) == (Decimal("8000.00"), Decimal("2400.00"))
    # R2: S3, S5 sent (S4 draft), S5 placed without a bill rate: no revenue counted
    assert (r2["submissions"], r2["placements"], r2["placements_per_submission"]) == (2, 1, Decimal("0.5000"))
    assert (r2["recommendations_reviewed"], r2["approvals_per_review"]) == (1, Decimal("1.0000"))
    assert (r2["revenue_usd"], r2["margin_usd"]) == (Decimal("0.00"), Decimal("0.00"))


def test_revenue_margin_and_bench_per_placement(admin_engine, world):
    rows = {r["placement_id"]: r for r in _rows(
        admin_engine, "select * from marts.fct_placements where tenant_id = :t", t=world.tenant_id)}
    p1, p2 = rows[world.ids["P1"]], rows[world.ids["P2"]]
    # P1: 10 working days x 8 h = 80 h; (100 - 70) x 80 = 2400; bench 2025-12-01 -> 2026-01-12 = 42 days,
    # 30 working days x 8 h x $50 = 12000
    assert (p1["spread_per_hour_usd"], p1["contract_hours"], p1["revenue_usd"], p1["margin_usd"]) == (
        Decimal("30.00"), Decimal("80.00"), Decimal("8000.00"), Decimal("2400.00"))
    assert (p1["bench_days"], p1["bench_cost_usd"], p1["has_missing_rate"]) == (42, Decimal("12000.00"), False)
    # P2: bill rate missing -> money NULL (not 0), flagged; bench 2026-01-01 -> 02-02 = 32 days, 22 x 8 x 45 = 7920
    assert (p2["revenue_usd"], p2["margin_usd"], p2["has_missing_rate"]) == (None, None, True)
    assert (p2["bench_days"], p2["bench_cost_usd"]) == (32, Decimal("7920.00"))


def test_revenue_per_consultant_and_bench_days(admin_engine, world):
    rows = {r["consultant_id"]: r for r in _rows(
        admin_engine, "select * from marts.kpi_consultant_revenue where tenant_id = :t", t=world.tenant_id)}
    k1, k2, k3, k4 = (rows[world.ids[k]] for k in ("K1", "K2", "K3", "K4"))
    assert (k1["placements"], k1["revenue_usd"], k1["bench_days_before_placements"], k1["bench_cost_usd"]) == (
        1, Decimal("8000.00"), 42, Decimal("12000.00"))
    assert (k3["placements"], k3["placements_missing_rate"], k3["revenue_usd"]) == (1, 1, Decimal("0.00"))
    assert k2["current_bench_days"] == (date.today() - date(2025, 12, 15)).days  # marketing since available_from
    assert (k4["placements"], k4["revenue_usd"], k4["current_bench_days"]) == (0, Decimal("0.00"), None)


def test_revenue_and_bench_cost_by_period(admin_engine, world):
    rows = {r["period_start"]: r for r in _rows(
        admin_engine, "select * from marts.kpi_tenant_period where tenant_id = :t and period_grain = 'month' "
        "and period_start in ('2026-01-01', '2026-02-01')", t=world.tenant_id)}
    jan, feb = rows[date(2026, 1, 1)], rows[date(2026, 2, 1)]
    assert (jan["placements_with_rates"], jan["revenue_usd"], jan["margin_usd"], jan["bench_cost_usd"]) == (
        1, Decimal("8000.00"), Decimal("2400.00"), Decimal("12000.00"))
    assert (feb["placements_with_rates"], feb["placements_missing_rate"], feb["revenue_usd"]) == (
        0, 1, Decimal("0.00"))


def test_fill_time_per_requirement(admin_engine, world):
    rows = {r["requirement_id"]: r for r in _rows(
        admin_engine, "select * from marts.fct_requirements where tenant_id = :t", t=world.tenant_id)}
    q1, q2, q3 = (rows[world.ids[k]] for k in ("Q1", "Q2", "Q3"))
    assert (q1["fill_days"], q2["fill_days"], q3["fill_days"]) == (7, 27, None)  # 01-05->01-12, 01-06->02-02
    assert (q3["submissions"], q3["is_filled"]) == (0, False)  # a requirement with no events: zeros, not dropped
    assert q1["hours_to_first_submission"] == Decimal("3.00")


def test_client_win_rate(admin_engine, world):
    rows = {r["client_company_id"]: r for r in _rows(
        admin_engine, "select * from marts.kpi_client_win_rate where tenant_id = :t", t=world.tenant_id)}
    acme, globex = rows[world.ids["C1"]], rows[world.ids["C2"]]
    # Acme: Q1, Q2 won of 3 received (2 submitted); median fill days (7, 27) = 17
    assert (acme["requirements_received"], acme["requirements_won"], acme["win_rate"],
            acme["win_rate_when_submitted"], acme["median_fill_days"]) == (
        3, 2, Decimal("0.6667"), Decimal("1.0000"), Decimal("17.00"))
    assert (globex["requirements_received"], globex["win_rate"], globex["median_fill_days"]) == (0, None, None)


def test_vendor_responsiveness(admin_engine, world):
    rows = {r["vendor_company_id"]: r for r in _rows(
        admin_engine, "select * from marts.kpi_vendor_responsiveness where tenant_id = :t", t=world.tenant_id)}
    v1, v2, v3 = (rows[world.ids[k]] for k in ("V1", "V2", "V3"))
    # V1: S1 answered by an interview after 48 h, S2 by a rejection after 36 h (cancelled interview ignored)
    assert (v1["submissions"], v1["submissions_with_response"], v1["response_rate"],
            v1["median_hours_to_first_response"]) == (2, 2, Decimal("1.0000"), Decimal("42.00"))
    assert v1["requirements_received"] == 2
    # V2: S3 interview after 60 h, S5 placement start after 591 h
    assert (v2["response_rate"], v2["median_hours_to_first_response"]) == (Decimal("1.0000"), Decimal("325.50"))
    # V3: S6 never answered: the common silent case
    assert (v3["submissions"], v3["submissions_with_response"], v3["response_rate"],
            v3["median_hours_to_first_response"]) == (1, 0, Decimal("0.0000"), None)


def test_a_tenant_with_no_data_has_zero_rows_not_missing_ones(admin_engine, built_marts):
    rows = _rows(admin_engine, "select * from marts.kpi_tenant_period where tenant_id = :t",
                 t=built_marts.empty_tenant)
    assert {r["period_grain"] for r in rows} == {"day", "week", "month"}
    for row in rows:
        assert (row["submissions"], row["placements"], row["revenue_usd"]) == (0, 0, Decimal("0"))
        assert (row["submission_to_interview_rate"], row["top5_hit_rate"], row["brier_score"]) == (None, None, None)
    assert _one(admin_engine, "select count(*) as n from marts.dim_tenants where tenant_id = :t",
                t=built_marts.empty_tenant)["n"] == 1


def test_pipeline_throughput_per_recruiter_client_and_vendor(admin_engine, world):
    rows = _rows(admin_engine, "select * from marts.kpi_pipeline_by_dimension_period where tenant_id = :t "
                 "and period_grain = 'week' and period_start in ('2026-01-05', '2026-01-12')", t=world.tenant_id)
    got = {(r["period_start"].day, r["dimension"], r["dimension_id"]): (
        r["requirements_ingested"], r["submissions"], r["interviews"], r["offers"], r["placements"]) for r in rows}
    i = world.ids
    assert got == {
        # week of 01-05: R1 owns the 3 imports and sent S1, S2, S6; S1's two rounds; S1's offer
        (5, "recruiter", i["R1"]): (3, 3, 2, 1, 0),
        (5, "recruiter", i["R2"]): (0, 2, 1, 0, 0),  # S3, S5; S3's interview
        (5, "client", i["C1"]): (3, 5, 3, 1, 0),
        (5, "vendor", i["V1"]): (2, 2, 2, 1, 0),  # Q1, Q3; S1, S2
        (5, "vendor", i["V2"]): (1, 2, 1, 0, 0),  # Q2; S3, S5
        (5, "vendor", i["V3"]): (0, 1, 0, 0, 0),  # S6
        # week of 01-12: P1 starts
        (12, "recruiter", i["R1"]): (0, 0, 0, 0, 1),
        (12, "client", i["C1"]): (0, 0, 0, 0, 1),
        (12, "vendor", i["V1"]): (0, 0, 0, 0, 1),
    }
    names = {r["dimension_name"] for r in rows}
    assert {"Rita One", "Acme Bank", "Quiet Staffing"} <= names
