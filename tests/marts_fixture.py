"""One `dbt build` per test session (dbt is slow) on a hand-built tenant, an empty tenant and a tenant with one
row in every table, against the session's embedded Postgres. Registered in tests/conftest.py: the dbt tests and
the KPI API tests both read these marts, whatever order they run in."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pytest

from tests.dbt.kpi_world import KpiWorld, build_kpi_world
from tests.factories import populate_every_tenant_table
from warehouse.dbt_env import WARN_ERROR_ARGS, run_dbt


@dataclass(frozen=True)
class BuiltMarts:
    world: KpiWorld  # the hand-computed tenant
    empty_tenant: uuid.UUID  # a tenant with no data at all
    other_tenant: uuid.UUID  # one row in every crm table (another tenant for RLS checks)
    demo_tenant: uuid.UUID  # a small generated demo world (demo_world), as `benchcrm seed` loads it
    build_seconds: float
    log: str


@pytest.fixture(scope="session")
def built_marts(settings, admin_engine) -> BuiltMarts:
    from warehouse.repositories.tenants import ensure_tenant

    suffix = uuid.uuid4().hex[:8]
    with admin_engine.begin() as conn:
        world = build_kpi_world(conn, ensure_tenant(conn, slug=f"kpi-world-{suffix}"))
    with admin_engine.begin() as conn:
        empty = ensure_tenant(conn, slug=f"kpi-empty-{suffix}")
    with admin_engine.begin() as conn:
        other = ensure_tenant(conn, slug=f"kpi-other-{suffix}")
        populate_every_tenant_table(conn, other)
    from demo_world import WorldParams
    from demo_world.loader import seed_tenant

    demo = seed_tenant(admin_engine, WorldParams(consultants=300, requirements=60, seed=11),
                       tenant_slug=f"kpi-demo-{suffix}").tenant_id
    started = time.perf_counter()
    proc = run_dbt(settings, "build", *WARN_ERROR_ARGS)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-2000:]}"
    return BuiltMarts(world=world, empty_tenant=empty, other_tenant=other, demo_tenant=demo, build_seconds=elapsed, log=proc.stdout)
