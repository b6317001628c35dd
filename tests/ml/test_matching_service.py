"""Candidate generation and recommendations against the real embedded Postgres (pgvector HNSW, tsvector, RLS)."""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from ml.matching.candidates import CandidateLimits, candidates, tsquery_terms
from ml.matching.loaders import load_records, load_requirement_records
from ml.matching.service import (
    NotFound,
    recommend_for_consultant,
    recommend_for_requirement,
    store_recommendations,
)
from ml.scoring import FACTORS, explainable_score, reasons
from ml.scoring.formula import SEED_MODEL_VERSION
from warehouse.db import tenant_tx
from warehouse.queries.matching import CONSULTANT, REQUIREMENT, Direction, anchor_record, current_tenant


def test_tsquery_terms_keeps_only_plain_words():
    assert tsquery_terms("Sr. Java Developer!!", "Spring Boot & Kafka | drop table") == \
        "java | spring | boot | kafka | drop | table"


def test_candidates_merge_ann_fts_and_skills_within_the_tenant(app_engine, seeded_tenant):
    tenant_id, world = seeded_tenant
    req = world.requirements[0]
    with tenant_tx(tenant_id, app_engine) as conn:
        record = load_requirement_records(conn, [req["id"]])[0]
        record["start_date"] = None  # start "now": every synthetic consultant is available by then
        found = candidates(conn, Direction.FOR_REQUIREMENT, record, model=active_model_name(), skill_names=["Java"],
                                      limits=CandidateLimits(ann=50, fts=20, skills=20))
    sources = {s for v in found.values() for s in v.sources}
    assert all(v.cosine is not None and -1 <= v.cosine <= 1 for v in found.values())
    assert {"ann", "skills"} <= sources
    assert 20 <= len(found) <= 90
    tenant_consultants = {c["id"] for c in world.consultants}
    assert set(found) <= tenant_consultants
    # The nearest neighbours really are near: the consultants sharing the requirement's embedding group dominate.
    assert len(found) < len(tenant_consultants)


def test_candidates_respect_work_authorization_filter(app_engine, seeded_tenant):
    tenant_id, world = seeded_tenant
    req = world.requirements[1]
    with tenant_tx(tenant_id, app_engine) as conn:
        record = load_requirement_records(conn, [req["id"]])[0]
        record["visa_accepted"] = ["USC"]
        found = candidates(conn, Direction.FOR_REQUIREMENT, record, model=active_model_name(), skill_names=[])
        visas = dict(conn.execute(sa.text("select id, visa_status from crm.consultant where id = any(:ids)"),
                                  {"ids": list(found)}).all())
    assert found and set(visas.values()) == {"USC"}


def test_recommend_for_requirement_returns_explained_ranked_items(app_engine, seeded_tenant):
    tenant_id, world = seeded_tenant
    req_id = world.requirements[2]["id"]
    with tenant_tx(tenant_id, app_engine) as conn:
        result = recommend_for_requirement(conn, tenant_id=tenant_id, requirement_id=req_id, top_k=10, explain=True,
                                           model=None)
        run_id = store_recommendations(conn, tenant_id=tenant_id, result=result, kind="api")
        stored = conn.execute(sa.text(
            "select r.rank, r.match_score, f.features from crm.recommendation r"
            " join crm.feature_snapshot f on f.recommendation_id = r.id where r.match_run_id = :run order by r.rank"),
            {"run": run_id}).all()
    assert result.model_version == SEED_MODEL_VERSION and len(result.items) == 10
    scores = [i.match_score for i in result.items]
    assert scores == sorted(scores, reverse=True)
    for item in result.items:
        assert item.requirement_id == req_id
        assert set(item.factors) == set(FACTORS)
        assert math.isclose(sum(f["contribution"] for f in item.factors.values()), item.match_score, abs_tol=1e-9)
        assert item.reasons and item.reasons[0]
        assert 0 <= item.success_probability <= 1
    assert [r.rank for r in stored] == list(range(1, 11))
    assert stored[0].features["consultant_id"] == str(result.items[0].consultant_id)
    # The stored snapshot reproduces the explanation: same score and the same reasons, computed from it alone.
    for row, item in zip(stored, result.items, strict=True):
        again = explainable_score(row.features)
        assert math.isclose(again.match_score, row.match_score, abs_tol=1e-12)
        assert reasons(row.features, again.factors) == item.reasons


def test_recommend_for_consultant_returns_open_requirements(app_engine, seeded_tenant):
    tenant_id, world = seeded_tenant
    con_id = world.consultants[3]["id"]
    with tenant_tx(tenant_id, app_engine) as conn:
        result = recommend_for_consultant(conn, tenant_id=tenant_id, consultant_id=con_id, top_k=5, explain=True,
                                          model=None)
    assert len(result.items) == 5
    assert all(i.consultant_id == con_id for i in result.items)
    assert {i.requirement_id for i in result.items} <= {r["id"] for r in world.requirements}


def test_recommend_for_unknown_or_foreign_requirement_raises_not_found(app_engine, seeded_tenant, make_tenant):
    tenant_id, world = seeded_tenant
    other = make_tenant()
    with tenant_tx(other, app_engine) as conn, pytest.raises(NotFound):
        recommend_for_requirement(conn, tenant_id=other, requirement_id=world.requirements[0]["id"], top_k=5,
                                  explain=False, model=None)
    with tenant_tx(tenant_id, app_engine) as conn, pytest.raises(NotFound):
        recommend_for_requirement(conn, tenant_id=tenant_id, requirement_id=uuid.uuid4(), top_k=5, explain=False,
                                  model=None)


@pytest.mark.parametrize("entity", ["requirement", "consultant"])
def test_the_anchor_is_read_in_one_statement_as_the_record_loader_shapes_it(app_engine, seeded_tenant, make_tenant,
                                                                             entity):
    tenant_id, world = seeded_tenant
    spec = REQUIREMENT if entity == "requirement" else CONSULTANT
    rows = world.requirements if entity == "requirement" else world.consultants
    with tenant_tx(tenant_id, app_engine) as conn:
        for row in rows[:15]:
            expected = load_records(conn, spec, [row["id"]])[0]
            record, tenant = anchor_record(conn, spec, row["id"], active_model_name())
            assert tenant == str(tenant_id) == current_tenant(conn)
            # the loader's skills come in whatever order its plan reads them; the anchor's by skill id
            assert {**record, "skills": None} == {**expected, "skills": None}
            assert Counter(record["skills"]) == Counter(expected["skills"])
            assert [s[0] for s in record["skills"]] == sorted(s[0] for s in record["skills"])
            assert record["skills"] and record["embedding"] is not None
        assert anchor_record(conn, spec, uuid.uuid4(), active_model_name()) == (None, str(tenant_id))
        conn.execute(sa.text(f"update crm.{entity} set deleted_at = now() where id = :id"), {"id": rows[0]["id"]})
        assert anchor_record(conn, spec, rows[0]["id"], active_model_name())[0] is None
        conn.rollback()
    other = make_tenant()
    with tenant_tx(other, app_engine) as conn:  # another tenant's id is no anchor here
        assert anchor_record(conn, spec, rows[1]["id"], active_model_name()) == (None, str(other))


def test_recommend_with_bare_records_marks_unknown_factors_and_never_nan(app_engine, make_tenant):
    """A requirement with no skills/rate/location and a consultant with nothing but a name still score."""
    tenant_id = make_tenant()
    req_id, con_id = uuid.uuid4(), uuid.uuid4()
    with tenant_tx(tenant_id, app_engine) as conn:
        conn.execute(sa.text("insert into crm.requirement (id, tenant_id, title) values (:id, :t, 'Mystery role')"),
                     {"id": req_id, "t": tenant_id})
        conn.execute(sa.text("insert into crm.consultant (id, tenant_id, full_name, title) values"
                             " (:id, :t, 'Nobody', 'Mystery role')"), {"id": con_id, "t": tenant_id})
        result = recommend_for_requirement(conn, tenant_id=tenant_id, requirement_id=req_id, top_k=5, explain=True,
                                           model=None)
    assert len(result.items) == 1
    item = result.items[0]
    assert item.factors["skills"]["status"] == "unknown" and item.factors["rate"]["status"] == "unknown"
    assert not math.isnan(item.match_score) and not math.isnan(item.success_probability)
    assert "Rate unknown" in item.reasons


def test_nearest_neighbour_candidates_can_use_the_hnsw_index(app_engine, admin_engine, seeded_tenant):
    from ml.matching.candidates import candidate_search
    from warehouse.queries.matching import candidates_sql

    tenant_id, world = seeded_tenant
    with admin_engine.begin() as conn:  # fresh statistics, as autovacuum would have them in production
        conn.execute(sa.text("analyze crm.embedding"))
    with tenant_tx(tenant_id, app_engine) as conn:
        conn.execute(sa.text("set local enable_seqscan = off"))
        conn.execute(sa.text("set local enable_indexscan = on"))
        anchor = {"id": world.requirements[0]["id"], "title": "java", "skills": [(1, True)], "embedding": [0.0]}
        search = candidate_search(anchor, model=active_model_name(), skill_names=[],
                                  limits=CandidateLimits(ann=50, fts=10, skills=10))
        plan = "\n".join(r[0] for r in conn.execute(
            sa.text("explain " + candidates_sql(Direction.FOR_REQUIREMENT)), {**search.params(), "tenant": tenant_id}))
    own_partition = "embedding_" + tenant_id.hex
    # the HNSW graph of this tenant's partition orders the search; the other partitions are pruned, not filtered
    assert re.search(rf"_vector_idx\d* on {own_partition} ", plan) and "Order By: (vector <=>" in plan
    assert "embedding_default" not in plan  # pruned when planned: no other partition is costed or searched


@pytest.mark.parametrize("given", [True, False], ids=["sources in process", "sources in SQL"])
@pytest.mark.parametrize("direction", list(Direction))
def test_the_candidate_querys_one_generic_plan_searches_the_graph_and_probes_by_key(app_engine, admin_engine,
                                                                                    seeded_tenant, direction, given):
    """The candidate query runs on a generic plan (docs/adr/0038): made once per connection, before the tenant is
    known, it must still order by the HNSW graph and read the candidates by key, never scan or sort a table."""
    from warehouse.queries.matching import _REUSE_THE_PLAN, candidates_sql

    names: list[str] = []

    def numbered(match: re.Match) -> str:  # EXPLAIN (GENERIC_PLAN) takes $n placeholders
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    compiled = str(sa.text(candidates_sql(direction, given)).compile(dialect=app_engine.dialect))
    with admin_engine.begin() as conn:
        conn.execute(sa.text("analyze crm.embedding"))
        driver = conn.connection.driver_connection
        for name, value in _REUSE_THE_PLAN.items():
            driver.execute("select set_config(%s, %s, true)", (name, value))
        plan = "\n".join(r[0] for r in driver.execute(
            "explain (generic_plan, costs off) " + re.sub(r"%\((\w+)\)s", numbered, compiled)).fetchall())
    candidate = direction.candidate.name
    assert re.search(r"Index Scan using \S*_vector_idx\d* on embedding_", plan) and "Order By: (vector <=>" in plan
    assert re.search(rf"(Index|Bitmap Heap) Scan (using \S+ )?on {candidate} x", plan), plan
    assert "Seq Scan" not in plan, plan


def test_candidates_on_the_reused_plan_are_the_planned_ones(app_engine, seeded_tenant):
    tenant_id, world = seeded_tenant
    with tenant_tx(tenant_id, app_engine) as conn:
        records = load_requirement_records(conn, [r["id"] for r in world.requirements[:4]])
        runs = [candidates(conn, Direction.FOR_REQUIREMENT, record, model=active_model_name(), skill_names=["Java"],
                           tenant=str(tenant_id)) for _ in range(3) for record in records]
        plans = conn.execute(sa.text("select generic_plans, custom_plans from pg_prepared_statements "
                                     "where statement like '%with anchor as%'")).all()
    assert runs[:4] == runs[4:8] == runs[8:] and all(runs[:4])
    assert plans and sum(generic for generic, _ in plans) >= 1  # prepared after psycopg's fifth execution


def test_visa_policy_mix_is_read_per_tenant_and_cached(app_engine, admin_engine, seeded_tenant, make_tenant,
                                                       monkeypatch):
    import ml.matching.service as service

    tenant_id, _world = seeded_tenant
    other = make_tenant()
    with admin_engine.begin() as conn:
        conn.execute(sa.text("insert into crm.requirement (tenant_id, title, visa_accepted) "
                             "select :t, 'Java Developer ' || g, array['USC', 'GC'] from generate_series(1, 25) g"),
                     {"t": other})
    reads: list[int] = []
    real = service.load_visa_policies

    def counting(conn):
        reads.append(1)
        return real(conn)

    monkeypatch.setattr(service, "load_visa_policies", counting)
    monkeypatch.setattr(service, "_visa_rates_cache", {})
    with tenant_tx(tenant_id, app_engine) as conn:
        mine = service._tenant_visa_rates(conn, current_tenant(conn))
        again = service._tenant_visa_rates(conn, current_tenant(conn))
    with tenant_tx(other, app_engine) as conn:
        theirs = service._tenant_visa_rates(conn, current_tenant(conn))
    assert len(reads) == 2  # once per tenant, then from the cache
    assert again is mine and mine == {}  # the synthetic bench states no policies: too few to say anything
    assert theirs == {"USC": 1.0, "GC": 1.0}  # the other tenant's own policies, not a cached neighbour's


@pytest.mark.parametrize("direction", list(Direction))
def test_the_in_process_index_proposes_what_the_database_proposes(app_engine, seeded_tenant, direction):
    """The text and skill sources from ml/matching/text_index.py (docs/adr/0032): the same candidates, sources and
    cosines as the candidate query computing them itself, cold (postings fetched) and warm (from memory)."""
    from ml.matching.loaders import load_records
    from ml.matching.text_index import TextIndex

    tenant_id, world = seeded_tenant
    pool = world.requirements if direction is Direction.FOR_REQUIREMENT else world.consultants
    index = TextIndex()
    with tenant_tx(tenant_id, app_engine) as conn:
        records = load_records(conn, direction.anchor, [r["id"] for r in pool[:6]], model=active_model_name())
        assert records
        for _ in ("cold", "warm"):
            for record in records:
                record["start_date"] = None
                plain, indexed = (
                    candidates(conn, direction, record, model=active_model_name(),
                               skill_names=["Java", "Python"], limits=CandidateLimits(ann=30, fts=10, skills=10),
                               text_index=with_index)
                    for with_index in (None, index))
                assert {k: (sorted(v.sources), v.cosine) for k, v in indexed.items()} == \
                    {k: (sorted(v.sources), v.cosine) for k, v in plain.items()}
    assert index.hits > 0 and index.size()["postings"] > 0
    assert any(c.cosine is not None for c in plain.values())  # the anchors' vectors are in the space searched
