"""Write a generated world for one tenant: one owner transaction, tenant replaced, every table by COPY.

Re-seeding a tenant deletes its tenant row first (every crm and world table cascades from crm.tenant) and keeps the
tenant id, so the same parameters give the same ids and the same rows. A new tenant gets an id derived from its
slug for the same reason. Loading applies the world's own migration stream first (`demo_world.schema`): the
`world` schema exists only in databases that hold a demo world.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from demo_world.generator import generate_world, world_params_record
from demo_world.model import DEFAULT_ID_NAMESPACE, World, WorldParams
from demo_world.schema import migrate_world
from warehouse.db import set_tenant
from warehouse.sealed import reseal

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SeedResult:
    tenant_id: uuid.UUID
    counts: dict[str, int]
    stats: dict
    seconds_generate: float
    seconds_load: float
    extra: dict = field(default_factory=dict)

    @property
    def seconds_total(self) -> float:
        return self.seconds_generate + self.seconds_load


def tenant_id_for_seed(conn: sa.Connection, slug: str) -> uuid.UUID:
    """The existing tenant's id, or a fresh one derived from the slug (stable across fresh databases)."""
    existing = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": slug}).scalar()
    return existing if existing is not None else uuid.uuid5(DEFAULT_ID_NAMESPACE, f"tenant:{slug}")


def load_world(engine: Engine, world: World, *, tenant_slug: str, tenant_name: str | None = None,
               progress: Progress | None = None) -> dict[str, int]:
    """Replace tenant `world.id_namespace` (slug `tenant_slug`) with `world`; return rows written per table."""
    tenant_id = world.id_namespace
    counts: dict[str, int] = {}
    migrate_world(engine)
    with engine.begin() as conn:
        set_tenant(conn, tenant_id)  # FORCE RLS binds a non-superuser owner too
        clash = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": tenant_slug}).scalar()
        if clash is not None and clash != tenant_id:
            raise ValueError(f"tenant {tenant_slug!r} exists with id {clash}, not the world's id {tenant_id}")
        if progress:
            progress("removing the tenant's previous data")
        conn.execute(sa.text("delete from crm.tenant where id = :id"), {"id": tenant_id})
        conn.execute(sa.text("insert into crm.tenant (id, slug, name) values (:id, :slug, :name)"),
                     {"id": tenant_id, "slug": tenant_slug, "name": tenant_name or tenant_slug.title()})
        with conn.connection.driver_connection.cursor() as cursor:  # psycopg COPY, same transaction
            for name, table in world.tables.items():
                if progress:
                    progress(f"writing {name} ({len(table.rows):,} rows)")
                with cursor.copy(f"COPY {name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
                counts[name] = len(table.rows)
        conn.execute(
            sa.text("insert into world.run (tenant_id, seed, params, stats) "
                    "values (:t, :seed, cast(:params as jsonb), cast(:stats as jsonb))"),
            {"t": tenant_id, "seed": world.params.seed, "params": json.dumps(world_params_record(world.params)),
             "stats": json.dumps({**world.stats, "counts": counts})})
        if progress:
            progress("encrypting contact data")
        reseal(conn)  # COPY wrote plaintext email/phone: seal them before the transaction commits
        if progress:
            progress("analyzing the loaded tables")
        # Fresh statistics: right after a bulk load the planner would otherwise guess (nested loops over seq scans).
        conn.exec_driver_sql(f"analyze {', '.join(world.tables)}")
    return counts


def seed_tenant(engine: Engine, params: WorldParams, *, tenant_slug: str, tenant_name: str | None = None,
                progress: Progress | None = None) -> SeedResult:
    """Generate the world for `params` and load it as tenant `tenant_slug` (replacing what it had)."""
    with engine.connect() as conn:
        tenant_id = tenant_id_for_seed(conn, tenant_slug)
    if progress:
        progress(f"generating {params.consultants:,} consultants and {params.requirements:,} requirements")
    started = time.perf_counter()
    world = generate_world(params, id_namespace=tenant_id)
    generated = time.perf_counter()
    counts = load_world(engine, world, tenant_slug=tenant_slug, tenant_name=tenant_name, progress=progress)
    loaded = time.perf_counter()
    return SeedResult(tenant_id=tenant_id, counts=counts, stats=world.stats,
                      seconds_generate=generated - started, seconds_load=loaded - generated)
