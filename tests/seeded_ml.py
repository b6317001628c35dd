"""ML fixtures shared by tests/ml and the training-asset tests in tests/orchestration: the skill graph as stored in
crm.skill and one seeded synthetic tenant. Session-scoped, so they are registered once, in tests/conftest.py."""

from __future__ import annotations

import uuid

import pytest

from tests.ml.synthetic import SyntheticWorld, make_world, write_world


@pytest.fixture(scope="session")
def skill_graph(admin_engine):
    """crm.skill's graph (real ids) over the curated IT-staffing layer: the synthetic worlds' skill universe."""
    from ml.matching.loaders import load_skill_graph
    from ml.taxonomy import load_curated_taxonomy

    with admin_engine.connect() as conn:
        full = load_skill_graph(conn)
    curated = set(load_curated_taxonomy().skills)
    return full.restricted(sid for sid, name in zip(full.ids, full.names, strict=True) if name in curated)


@pytest.fixture(scope="session")
def seeded_tenant(admin_engine, skill_graph) -> tuple[uuid.UUID, SyntheticWorld]:
    """A tenant holding a small synthetic bench with history (written once per session; tests only read it)."""
    from warehouse.repositories.tenants import ensure_tenant

    with admin_engine.begin() as conn:
        tenant_id = ensure_tenant(conn, slug=f"ml-{uuid.uuid4().hex[:10]}")
    world = make_world(skill_graph, n_consultants=300, n_requirements=300, per_requirement=10, seed=5,
                       salt="ml-tests")  # fixed ids: reproducible row order (one world per test database)
    write_world(admin_engine, tenant_id, world)
    return tenant_id, world


@pytest.fixture(scope="session")
def seeded_tenant_slug(admin_engine, seeded_tenant) -> str:
    import sqlalchemy as sa

    with admin_engine.connect() as conn:
        return conn.execute(sa.text("select slug from crm.tenant where id = :t"), {"t": seeded_tenant[0]}).scalar()
