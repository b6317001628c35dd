"""Nearest-neighbour candidates per tenant (migration 0034, docs/adr/0028): each tenant's vectors sit in their own
partition of crm.embedding with their own HNSW graphs, so a tenant's ANN search is not spent on another tenant's
vectors, however many of them lie closer to the anchor."""

from __future__ import annotations

import uuid

import numpy as np
import sqlalchemy as sa

from ml.ai.embeddings import active_model_name
from ml.matching.candidates import CandidateLimits, candidates
from warehouse.db import tenant_tx
from warehouse.queries.matching import Direction
from warehouse.repositories.embeddings import upsert_embeddings


def _unit(v: np.ndarray) -> list[float]:
    return (v / np.linalg.norm(v)).tolist()


def test_a_small_tenant_finds_all_its_nearest_consultants_beside_a_large_closer_tenant(
        app_engine, admin_engine, seed, tenant, make_tenant):
    rng = np.random.default_rng(7)
    axis = np.zeros(384)
    axis[0] = 1.0
    req = seed.requirement(title="Zzqx Engineer")  # a title no consultant shares: only the ANN proposes them
    mine = [seed.consultant(title="Qwv Specialist", summary="nothing in common") for _ in range(25)]
    other = make_tenant()
    model = active_model_name()  # the space the recommendation service searches
    with tenant_tx(tenant, app_engine) as conn:
        upsert_embeddings(conn, tenant_id=tenant, entity_type="requirement", model=model, dims=384,
                          rows=[(req, _unit(axis), "h")])
        upsert_embeddings(conn, tenant_id=tenant, entity_type="consultant", model=model, dims=384, rows=[
            (c, _unit(axis + rng.normal(0, 1.0, 384)), "h") for c in mine])
    with tenant_tx(other, app_engine) as conn:  # 800 vectors, all nearer the anchor than any of ours
        upsert_embeddings(conn, tenant_id=other, entity_type="consultant", model=model, dims=384, rows=[
            (uuid.uuid4(), _unit(axis + rng.normal(0, 0.05, 384)), "h") for _ in range(800)])
    with admin_engine.begin() as conn:
        conn.execute(sa.text("analyze crm.embedding"))
    with tenant_tx(tenant, app_engine) as conn:
        # Search through the HNSW graph, as the planner does at production sizes (at this size it could also sort
        # the tenant's few rows exactly, which would hide the problem).
        conn.execute(sa.text("set local enable_sort = off"))
        conn.execute(sa.text("set local enable_seqscan = off"))
        found = candidates(conn, Direction.FOR_REQUIREMENT, {"id": req, "title": "Zzqx Engineer", "embedding": [0.0]},
                           model=model, skill_names=[], limits=CandidateLimits(ann=25, fts=0, skills=0, ef_search=40))
    assert set(found) == set(mine)
    assert all(c.sources == ["ann"] and c.cosine is not None for c in found.values())


def test_a_new_tenant_gets_its_partition_and_a_deleted_one_loses_it(admin_engine, make_tenant):
    tenant = make_tenant()
    name = f"embedding_{tenant.hex}"

    def partitions() -> set[str]:
        with admin_engine.connect() as conn:
            return set(conn.execute(sa.text(
                "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
                "where i.inhparent = 'crm.embedding'::regclass")).scalars())

    assert name in partitions()
    with admin_engine.begin() as conn:
        conn.execute(sa.text("delete from crm.tenant where id = :t"), {"t": tenant})
    assert name not in partitions()


def test_the_application_role_cannot_reach_a_partition_directly(app_engine, make_tenant):
    tenant = make_tenant()
    with app_engine.connect() as conn:
        denied = None
        try:
            conn.execute(sa.text(f"select count(*) from crm_part.embedding_{tenant.hex}"))
        except sa.exc.ProgrammingError as exc:
            denied = str(exc.orig)
    assert denied is not None and "permission denied" in denied
