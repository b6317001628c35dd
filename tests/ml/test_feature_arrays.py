"""The vectorized entity arrays, best credits, snapshots and factor dicts (issue 12: less Python per request) against
hand-computed values and, over seeded random records, against their cell-by-cell definitions, bit for bit."""

from __future__ import annotations

import math
import random
import uuid
from collections import namedtuple
from decimal import Decimal

import numpy as np
import pytest

from ml.features.entities import (
    SkillGraph,
    _consultant_skill_arrays,
    _skill_matrix,
    consultants_from_records,
    requirements_from_records,
)
from ml.features.history import HistoryIndex, OutcomeEvents
from ml.features.pairs import (
    _best_credit,
    _best_credit_dense,
    compute_pair_features,
    feature_frame,
    pair_feature_columns,
    snapshot,
    snapshots,
)
from ml.features.text_fit import pair_title_similarity, title_similarity
from ml.matching.service import _factor_dicts
from ml.scoring.formula import FACTORS

UNKNOWN = 10**9  # a skill id no graph holds
Skill = namedtuple("Skill", "sid years is_primary position")  # a tuple, but not exactly one
NAN = float("nan")


@pytest.fixture(scope="module")
def graph() -> SkillGraph:
    return SkillGraph.from_taxonomy(curated=True)


def _col(graph: SkillGraph, name: str) -> int:
    return graph.index[graph.id_for_name(name)]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _arrays(records: list[dict], graph: SkillGraph):
    careers = np.array([NAN if r.get("years_experience") is None else float(r["years_experience"]) for r in records])
    return _consultant_skill_arrays(records, graph, careers)


def test_consultant_skill_arrays_by_hand(graph):
    java, kafka, python, aws = (graph.id_for_name(n) for n in ("Java", "Kafka", "Python", "AWS"))
    records = [
        # A duplicate (deepest claim, first place), an unknown skill (its place 2 does not count), career 10 years.
        {"years_experience": 10.0, "skills": [(java, 8.0, True, 0), (kafka, 2.0, False, 1), (UNKNOWN, 5.0, False, 2),
                                              (java, 10.0, False, 3)]},
        {"years_experience": None, "skills": [java, (kafka,), [python, 4.0, None, None]]},  # no career: depth unknown
        {"years_experience": 12.0, "skills": []},
        {"years_experience": 12.0, "skills": None},
        # Capped at the whole career; negative and NaN claims are no evidence; last place 5 -> 6 places.
        {"years_experience": 12.0, "skills": [(java, 3.0, False, None), (kafka, 30.0, False, 5),
                                              (aws, -1.0, True, 1), (aws, NAN, False, 0), (None, 2.0, True, 9)]},
        {"years_experience": 0.0, "skills": [(java, Decimal("2"), "yes", 0)]},  # a zero career: depth unknown
    ]
    held, depth, primary, position = _arrays(records, graph)
    j, k, p, a = (_col(graph, n) for n in ("Java", "Kafka", "Python", "AWS"))
    assert held.dtype == depth.dtype == primary.dtype == position.dtype == np.float32
    assert held.shape == (6, len(graph.ids))
    assert {(int(r), int(c)) for r, c in zip(*np.nonzero(held), strict=True)} == {
        (0, j), (0, k), (1, j), (1, k), (1, p), (4, j), (4, k), (4, a), (5, j)}
    assert {(int(r), int(c)) for r, c in zip(*np.nonzero(primary), strict=True)} == {(0, j), (4, a), (5, j)}
    expected_depth = {(0, j): 1.0, (0, k): 0.2, (4, j): 0.25, (4, k): 1.0}
    assert {(int(r), int(c)): float(depth[r, c]) for r, c in np.argwhere(np.isfinite(depth))} == {
        key: float(np.float32(v)) for key, v in expected_depth.items()}
    expected_position = {(0, j): 0.5 / 4, (0, k): 1.5 / 4, (4, k): 5.5 / 6, (4, a): 0.5 / 6, (5, j): 0.5 / 1}
    assert {(int(r), int(c)): float(position[r, c]) for r, c in np.argwhere(np.isfinite(position))} == {
        key: float(np.float32(v)) for key, v in expected_position.items()}


def test_a_zero_claimed_twice_keeps_the_first_claims_sign(graph):
    java = graph.id_for_name("Java")
    _, depth, _, _ = _arrays([{"years_experience": 5.0, "skills": [(java, -0.0), (java, 0.0)]},
                              {"years_experience": 5.0, "skills": [(java, 0.0), (java, -0.0)]},
                              {"years_experience": 5.0, "skills": [(java, -0.0), (java, 1.0)]}], graph)
    col = _col(graph, "Java")
    assert np.signbit(depth[0, col]) and depth[0, col] == 0
    assert not np.signbit(depth[1, col]) and depth[1, col] == 0
    assert depth[2, col] == np.float32(0.2)


def test_positions_ending_before_the_list_starts_are_refused(graph):
    with pytest.raises(ZeroDivisionError):
        _arrays([{"years_experience": 5.0, "skills": [(graph.id_for_name("Java"), None, None, -1)]}], graph)


def _random_consultants(rng: random.Random, ids: list[int]) -> list[dict]:
    def skill():
        sid = rng.choice(ids[:30] * 3 + [UNKNOWN, None, str(ids[0])])  # duplicates are common
        years = rng.choice([None, NAN, 0.0, -1.0, 0.5, 2.0, 7.0, 12.0, 40.0, Decimal("4.5"), 3, "2", "x", math.inf])
        flag = rng.choice([None, True, False, 1, 0])
        place = rng.choice([None, None, 0, 1, 2, 4, 9, 2.7])
        return rng.choice([sid, (sid,), (sid, years), [sid, years, flag], (sid, years, flag, place),
                           Skill(sid, years, flag, place)])

    return [{"years_experience": rng.choice([None, NAN, 0.0, -3.0, 0.5, 4.0, 10.0, 25.0]),
             "skills": rng.choice([None, []]) if rng.random() < 0.15 else [skill() for _ in range(rng.randrange(1, 14))]}
            for _ in range(rng.randrange(1, 9))]


def _defined_arrays(records: list[dict], graph: SkillGraph):
    """The arrays' definition, cell by cell: each cell gathers its own items (known skills, in listed order)."""
    shape = (len(records), len(graph.ids))
    held, primary = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    depth, position = np.full(shape, np.nan, np.float32), np.full(shape, np.nan, np.float32)
    for i, record in enumerate(records):
        items = []
        for item in record.get("skills") or ():
            parts = (*item, None, None, None)[:4] if isinstance(item, tuple | list) else (item, None, None, None)
            if parts[0] is not None and parts[0] in graph.index:
                items.append((graph.index[parts[0]], *parts[1:]))
        places = [int(p) for *_, p in items if p is not None]
        career = record.get("years_experience")
        career = NAN if career is None else float(career)
        for col in {c for c, *_ in items}:
            mine = [it for it in items if it[0] == col]
            held[i, col] = 1.0
            primary[i, col] = 1.0 if any(bool(flag) for _, _, flag, _ in mine) else 0.0
            claims = []
            for _, years in ((it[0], it[1]) for it in mine):
                try:
                    share = float(years) / career if years is not None and career > 0 else NAN
                except (TypeError, ValueError):
                    share = NAN
                if math.isfinite(share) and share >= 0:
                    claims.append(np.float32(min(share, 1.0)))
            if claims:
                best = max(claims)
                depth[i, col] = best if best != 0 else claims[0]  # a 0 ties with -0: the first claim's sign
            placed = [np.float32((int(p) + 0.5) / (max(places) + 1)) for *_, p in mine if p is not None]
            if placed:
                position[i, col] = min(placed)
    return held, depth, primary, position


def test_consultant_skill_arrays_match_their_definition_on_random_records(graph):
    rng = random.Random(12)
    ids = list(graph.ids)
    for _ in range(300):
        records = _random_consultants(rng, ids)
        got, want = _arrays(records, graph), _defined_arrays(records, graph)
        for name, g, w in zip(("held", "depth", "primary", "position"), got, want, strict=True):
            assert _same_bits(g, w), (name, records)


def test_requirement_skill_matrix_required_wins_whatever_the_order(graph):
    java, kafka = graph.id_for_name("Java"), graph.id_for_name("Kafka")
    wanted = namedtuple("Wanted", "sid is_required")
    out = _skill_matrix([{"skills": [(java, False), wanted(java, True), (kafka, False), UNKNOWN, None]},
                         {"skills": [java, [kafka, False], (kafka, 0)]}, {"skills": None}], graph)
    j, k = _col(graph, "Java"), _col(graph, "Kafka")
    assert out.dtype == np.float32
    assert out[0, j] == 2.0 and out[0, k] == 1.0 and out[1, j] == 2.0 and out[1, k] == 1.0
    assert np.count_nonzero(out) == 4


def test_best_credit_is_the_max_over_held_skills_of_value_times_credit(graph):
    rng = np.random.default_rng(3)
    sub = graph.restricted(graph.ids[:60])
    for _ in range(50):
        held = np.where(rng.random((12, len(sub.ids))) < 0.15, rng.choice([1.0, 0.25, 0.8, 0.05], (12, len(sub.ids))),
                        0.0).astype(np.float32)
        held[0] = 1.0  # holds everything
        held[1] = 0.0  # holds nothing
        want = np.array([[max(float(held[r, i]) * float(sub.credit[i, j]) for i in range(len(sub.ids)))
                          for j in range(len(sub.ids))] for r in range(len(held))], dtype=np.float32)
        assert _same_bits(_best_credit(held, sub), want)
        assert _same_bits(_best_credit(held, sub), _best_credit_dense(held, sub))
        wanted = np.sort(rng.choice(len(sub.ids), size=int(rng.integers(0, 8)), replace=False))
        only = np.zeros_like(want)
        only[:, wanted] = want[:, wanted]
        assert _same_bits(_best_credit(held, sub, wanted), only)  # the other columns stay 0
    # -0.0 only comes from a claim of -0.0 years; the zero's sign then follows the dense max, as it always did.
    negative_zero = np.zeros((2, len(sub.ids)), np.float32)
    negative_zero[0] = -0.0
    assert np.signbit(_best_credit_dense(negative_zero, sub)[0]).any()
    assert _same_bits(_best_credit(negative_zero, sub), _best_credit_dense(negative_zero, sub))


def _world(graph: SkillGraph, rng: random.Random):
    ids = [graph.id_for_name(n) for n in ("Java", "Spring Boot", "Hibernate", "Kafka", "Python", "AWS", "React")]
    reqs = [{"id": uuid.uuid4(), "skills": [(rng.choice(ids), rng.random() < 0.6) for _ in range(rng.randrange(0, 5))],
             "title": rng.choice([None, "Java Developer"]), "bill_rate_max": rng.choice([None, 80]),
             "visa_accepted": rng.choice([None, ["USC", "GC"]]), "client_company_id": uuid.UUID(int=1)}
            for _ in range(3)]
    cons = [{"id": uuid.uuid4(), "skills": [(rng.choice(ids), rng.choice([None, 3.0]), rng.random() < 0.3,
                                             rng.choice([None, k])) for k in range(rng.randrange(0, 6))],
             "years_experience": rng.choice([None, 8.0]), "hourly_rate": rng.choice([None, 70, 95]),
             "visa_status": rng.choice([None, "USC", "H1B"]), "city": rng.choice([None, "Dallas"]), "state": "TX",
             "title": rng.choice([None, "Sr. Java Developer"])} for _ in range(6)]
    graph = graph.for_records(reqs, cons)
    return requirements_from_records(reqs, graph), consultants_from_records(cons, graph), graph


def test_snapshots_of_columns_are_the_frames_snapshots(graph):
    rng = random.Random(5)
    events = OutcomeEvents(["x"], [str(uuid.UUID(int=1))], np.array([20000.0]), np.array([1.0]))
    for _ in range(20):
        reqs, cons, g = _world(graph, rng)
        ri, ci = np.repeat(np.arange(len(reqs)), len(cons)), np.tile(np.arange(len(cons)), len(reqs))
        args = (reqs, cons, ri, ci, 20400.0)
        options = {"graph": g, "history": HistoryIndex(events), "visa_rates": {"USC": 0.9}}
        columns = pair_feature_columns(*args, **options)
        frame = compute_pair_features(*args, **options)
        assert feature_frame(columns).equals(frame)
        rows = rng.sample(range(len(ri)), 5)
        assert snapshots(columns, rows, reqs, cons, g) == [snapshot(frame, r, reqs, cons, g) for r in rows]


def test_snapshot_skill_names_required_first_then_in_the_graphs_order(graph):
    java, spring_boot, hibernate, kafka, aws = (graph.id_for_name(n) for n in
                                                ("Java", "Spring Boot", "Hibernate", "Kafka", "AWS"))
    reqs_records = [{"id": uuid.uuid4(), "skills": [(kafka, False), (java, True), (hibernate, True), (aws, True)]}]
    cons_records = [{"id": uuid.uuid4(), "skills": [spring_boot, kafka], "city": "Plano", "state": "TX"}]
    g = graph.for_records(reqs_records, cons_records)
    reqs, cons = requirements_from_records(reqs_records, g), consultants_from_records(cons_records, g)
    columns = pair_feature_columns(reqs, cons, np.array([0]), np.array([0]), 20400.0, graph=g)
    snap = snapshots(columns, [0], reqs, cons, g)[0]
    # Required before nice-to-have, then by the graph's column (skill id) order; Java through Spring Boot (0.8),
    # Hibernate only a sibling of Spring Boot (0.2).
    assert snap["matched_skills"] == ["Java", "Kafka"]
    assert snap["missing_skills"] == ["AWS", "Hibernate"]
    assert snap["consultant_location"] == "Plano, TX"
    assert "req_idx" not in snap and snap["consultant_id"] == str(cons_records[0]["id"])
    assert snapshots(columns, [], reqs, cons, g) == []


def test_factor_dicts_clip_known_values_and_mark_the_unknown():
    values = np.array([[0.5, NAN, 1.25, -0.5, 0.0, 1.0, math.inf]])
    contrib = np.array([[0.1, 0.0, 0.2, 0.0, 0.0, 0.3, 0.05]])
    weights = np.array([[0.2, 0.0, 0.3, 0.1, 0.1, 0.2, 0.1]])
    (factors,) = _factor_dicts(values, contrib, weights)
    assert list(factors) == list(FACTORS)
    assert [f.value for f in factors.values()] == [0.5, None, 1.0, 0.0, 0.0, 1.0, None]
    assert [f.status for f in factors.values()] == ["known", "unknown", "known", "known", "known", "known", "unknown"]
    assert [f.weight for f in factors.values()] == weights[0].tolist()
    assert all(type(f.weight) is float and type(f.contribution) is float for f in factors.values())
    assert _factor_dicts(np.zeros((0, 7)), np.zeros((0, 7)), np.zeros((0, 7))) == []


def test_remembered_title_similarity_is_title_similarity():
    wanted = ["Java Developer", None, "Sr. Data Engineer", "Java Developer", "QA Lead"]
    held = [("Java Engineer",), ["Data Engineer"], ["Software Engineer", "Data Engineer"], ("Java Engineer",), []]
    got = pair_title_similarity(wanted, held)
    want = np.array([title_similarity(w, h) for w, h in zip(wanted, held, strict=True)])
    assert _same_bits(got, want)


def test_the_request_graph_holds_every_item_shapes_skill_and_its_ancestors(graph):
    java, spring_boot, kafka, aws, python = (graph.id_for_name(n) for n in
                                             ("Java", "Spring Boot", "Kafka", "AWS", "Python"))
    sub = graph.for_records([{"skills": [(kafka, True), aws]}],
                            [{"skills": [Skill(spring_boot, 2.0, True, 0), [python], None, (None, 1.0), UNKNOWN]},
                             {"skills": None}])
    assert set(sub.ids) == {java, spring_boot, kafka, aws, python}  # Java as Spring Boot's parent


def test_credit_by_hand_and_a_cyclic_taxonomy_terminates(graph):
    names = ("Java", "Spring Boot", "Hibernate", "Kafka")
    sub = graph.restricted(graph.id_for_name(n) for n in names)
    java, boot, hibernate, kafka = (sub.index[graph.id_for_name(n)] for n in names)
    credit = sub.credit
    assert credit.dtype == np.float32 and credit.shape == (4, 4)
    assert [credit[boot, java], credit[java, boot], credit[boot, hibernate], credit[kafka, java]] == [
        np.float32(0.8), np.float32(0.4), np.float32(0.2), 0.0]
    assert (np.diag(credit) == 1.0).all()
    cyclic = SkillGraph(ids=(1, 2, 3), names=("a", "b", "c"), parents=(2, 3, 1)).credit
    assert (np.diag(cyclic) == 1.0).all() and (cyclic[~np.eye(3, dtype=bool)] == np.float32(0.8)).all()
