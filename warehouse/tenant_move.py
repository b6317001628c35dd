"""Move a tenant from one Postgres server to another: mark, copy, verify, flip, clean up (docs/adr/0025).

Each step is recorded in the directory on the primary (`app.tenant_placement.move_step`), so a run that dies at
any point is finished by running the same move again, or undone by `abort_move`:

1. **mark**: `moving_to` is set; every API process refuses the tenant's requests (503 with Retry-After) once its
   directory cache expires, so the move then waits `tenant_cache_seconds` before reading anything.
2. **copy**: one transaction on the target deletes whatever an earlier attempt left there and copies every row of
   every `crm` table with a `tenant_id` (warehouse/schema.py), parents before children (the target's foreign
   keys), in binary COPY: vectors, encrypted bytes and timestamps arrive bit for bit. Skill ids are serial per
   server, so skill references are mapped by the skill's canonical name; serial row ids (outbox, snapshot queue)
   are drawn afresh from the target's sequences, in their old order.
3. **verify**: per table, the row count and an order-independent checksum of the rows' text (skills by name,
   serial ids left out) on both servers; a
   difference rolls the move back (target rows deleted, tenant back on its source) and fails.
4. **flip**: the directory points at the target; `cleanup_on` remembers the source. Requests resume, on the target.
5. **clean up**: the tenant's rows on the source (crm and marts) are deleted and `cleanup_on` cleared.

Copying and deleting run with `session_replication_role = replica` (triggers off: rows are copied as they are,
not re-stamped or re-announced; the append-only audit log may be deleted from its old server), which needs a
superuser owner — the embedded server's is one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from psycopg import sql

from warehouse.db import admin_engine
from warehouse.placement import (
    PRIMARY,
    DirectoryRow,
    PlacementError,
    directory_row,
    get_router,
    record_placement,
    server_names,
    server_settings,
    update_directory,
)
from warehouse.schema import metadata
from warehouse.settings import Settings


class MoveFailed(RuntimeError):
    """Verification found a difference; the move was rolled back (the tenant stays on its source)."""


@dataclass
class MoveReport:
    tenant_id: uuid.UUID
    slug: str
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    resumed: bool = False
    seconds: float = 0.0


def tenant_tables() -> list[str]:
    """Every crm table holding tenant rows, per the schema of record; `tenant` first."""
    names = [t.name for t in metadata.sorted_tables if "tenant_id" in t.columns and t.name != "tenant"]
    return ["tenant", *sorted(names)]


def fk_order(conn: sa.Connection, tables: list[str]) -> list[str]:
    """`tables` with every table after those its foreign keys reference (read from the server's catalog)."""
    edges = conn.execute(sa.text(
        "select c.conrelid::regclass::text, c.confrelid::regclass::text from pg_constraint c "
        "where c.contype = 'f' and c.connamespace = 'crm'::regnamespace")).all()
    wanted = set(tables)
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in edges:
        child, parent = child.removeprefix("crm."), parent.removeprefix("crm.")
        if child in wanted and parent in wanted and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, p in parents.items() if not p - set(ordered))
        if not ready:
            raise PlacementError(f"foreign keys form a cycle among {sorted(parents)}")
        ordered += ready
        for t in ready:
            parents.pop(t)
    return ordered


@dataclass(frozen=True)
class Columns:
    """A table's columns a COPY can write (generated ones are recomputed by the target) and, among them, those
    filled from a sequence (the outbox's and the snapshot queue's ids): sequences are per server, so copied rows
    get fresh ids from the target's, in their old order; nothing references these ids."""

    all: tuple[str, ...]
    serial: tuple[str, ...]

    @property
    def copied(self) -> list[str]:
        return [c for c in self.all if c not in self.serial]

    @property
    def skill_ref(self) -> bool:
        return "skill_id" in self.all


def catalog(conn: sa.Connection) -> dict[str, Columns]:
    """Every crm table's columns, from the server's catalog in one query."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for table, column, serial in conn.execute(sa.text(
            "select c.relname, a.attname, a.attidentity <> '' or coalesce(pg_get_expr(d.adbin, d.adrelid) "
            "like 'nextval(%', false) from pg_class c join pg_attribute a on a.attrelid = c.oid "
            "left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum "
            "where c.relnamespace = 'crm'::regnamespace and c.relkind in ('r', 'p') and a.attnum > 0 "
            "and not a.attisdropped and a.attgenerated = '' order by c.relname, a.attnum")).all():
        columns, serials = found.setdefault(table, ([], []))
        columns.append(column)
        if serial:
            serials.append(column)
    return {t: Columns(tuple(c), tuple(s)) for t, (c, s) in found.items()}


@contextmanager
def _owner_tx(settings: Settings, server: str, tenant_id: uuid.UUID) -> Iterator[sa.Connection]:
    """An owner transaction on `server`, triggers off, scoped to the tenant, with fixed text output settings."""
    with admin_engine(server_settings(settings, server)).begin() as conn:
        conn.exec_driver_sql("set local session_replication_role = replica")
        conn.exec_driver_sql("set local timezone = 'UTC'")
        conn.exec_driver_sql("set local datestyle = 'ISO, YMD'")
        conn.execute(sa.text("select set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        yield conn


def _delete_tenant_rows(conn: sa.Connection, tenant_id: uuid.UUID, tables: list[str], *, marts: bool) -> None:
    for table in reversed(tables):
        conn.execute(sa.text(f'delete from crm."{table}" where tenant_id = :t'), {"t": tenant_id})
    if marts:  # rebuilt on the target by dbt; on the source they would outlive the move until a full refresh
        for (table,) in conn.execute(sa.text(
                "select c.table_name from information_schema.columns c join information_schema.tables t "
                "using (table_schema, table_name) where c.table_schema = 'marts' and c.column_name = 'tenant_id' "
                "and t.table_type = 'BASE TABLE'")).all():
            conn.execute(sa.text(f'delete from marts."{table}" where tenant_id = :t'), {"t": tenant_id})


def _copy(settings: Settings, tenant_id: uuid.UUID, source: str, target: str) -> dict[str, int]:
    copied: dict[str, int] = {}
    with _owner_tx(settings, source, tenant_id) as src, _owner_tx(settings, target, tenant_id) as dst:
        tables = fk_order(dst, tenant_tables())
        _delete_tenant_rows(dst, tenant_id, tables, marts=False)  # what an earlier, failed attempt left
        src_raw, dst_raw = src.connection.driver_connection, dst.connection.driver_connection
        shapes = catalog(dst)
        skill_map = _skill_map(src, dst, tenant_id, [t for t in tables if shapes[t].skill_ref])
        for table in tables:
            columns = shapes[table].copied
            listed = sql.SQL(", ").join(map(sql.Identifier, columns))
            into = sql.Identifier("crm", table)
            staged = table in skill_map
            if staged:  # skill ids differ per server: stage, then insert with ids mapped by canonical name
                dst_raw.execute(sql.SQL("create temp table _stage (like {} ) on commit drop").format(into))
                into = sql.Identifier("_stage")
            order = sql.SQL(", ").join(map(sql.Identifier, shapes[table].serial or ("tenant_id",)))
            read = sql.SQL("copy (select {} from {} where tenant_id = {} order by {}) to stdout (format binary)"
                           ).format(listed, sql.Identifier("crm", table), sql.Literal(str(tenant_id)), order)
            write = sql.SQL("copy {} ({}) from stdin (format binary)").format(into, listed)
            with src_raw.cursor().copy(read) as out, dst_raw.cursor().copy(write) as inp:
                for block in out:
                    inp.write(block)
            if staged:
                mapped = sql.SQL(", ").join(
                    sql.SQL("m.dst") if c == "skill_id" else sql.SQL("s.{}").format(sql.Identifier(c))
                    for c in columns)
                dst_raw.execute(sql.SQL("insert into {} ({}) select {} from _stage s "
                                        "left join _skill_map m on m.src = s.skill_id").format(
                    sql.Identifier("crm", table), listed, mapped))
                dst_raw.execute("drop table _stage")
            copied[table] = dst.execute(sa.text(f'select count(*) from crm."{table}" where tenant_id = :t'),
                                        {"t": tenant_id}).scalar_one()
    return copied


def _skill_map(src: sa.Connection, dst: sa.Connection, tenant_id: uuid.UUID, with_refs: list[str]) -> set[str]:
    """Fill temp table _skill_map (source id -> target id) for the skills the tenant's rows in `with_refs` name.
    A skill the target lacks is an error (run `benchcrm migrate`, which loads the taxonomy everywhere)."""
    names: dict[int, str] = {}
    for table in with_refs:
        names.update(src.execute(sa.text(
            f'select distinct s.id, s.canonical_name from crm."{table}" t join crm.skill s on s.id = t.skill_id '
            "where t.tenant_id = :t"), {"t": tenant_id}).all())
    there = dict(dst.execute(sa.text("select canonical_name, id from crm.skill where canonical_name = any(:n)"),
                             {"n": list(names.values())}).all())
    missing = sorted(set(names.values()) - set(there))
    if missing:
        raise PlacementError(f"the target server lacks {len(missing)} skills the tenant uses (e.g. {missing[0]!r}); "
                             "run `benchcrm migrate` to load the taxonomy on every server")
    dst.exec_driver_sql("create temp table _skill_map (src int primary key, dst int not null) on commit drop")
    if names:
        dst.execute(sa.text("insert into _skill_map values (:s, :d)"),
                    [{"s": i, "d": there[n]} for i, n in names.items()])
    return set(with_refs)


def _row_text(shape: Columns) -> tuple[str, str]:
    """The text each row is checksummed by (skill ids replaced by the skill's name), and the join it needs."""
    dropped = "".join(f" - '{c}'" for c in shape.serial)
    if shape.skill_ref:
        return (f"(to_jsonb(t){dropped} - 'skill_id' || jsonb_build_object('skill', s.canonical_name))::text",
                "left join crm.skill s on s.id = t.skill_id")
    return (f"(to_jsonb(t){dropped})::text", "") if dropped else ("t::text", "")


def table_fingerprints(settings: Settings, server: str, tenant_id: uuid.UUID) -> dict[str, tuple[int, int]]:
    """Per table: (rows, sum of a 60-bit hash of each row's text) of the tenant on `server`."""
    found: dict[str, tuple[int, int]] = {}
    with _owner_tx(settings, server, tenant_id) as conn:
        shapes = catalog(conn)
        for table in tenant_tables():
            text, join = _row_text(shapes[table])
            count, total = conn.execute(sa.text(
                f"select count(*), coalesce(sum(('x' || substr(md5({text}), 1, 15))::bit(60)::bigint), 0) "
                f'from crm."{table}" t {join} where t.tenant_id = :t'), {"t": tenant_id}).one()
            found[table] = (int(count), int(total))
    return found


def _start(settings: Settings, slug: str) -> DirectoryRow:
    """The tenant's directory row; a tenant that predates the directory (on the primary) is entered first."""
    with admin_engine(settings).begin() as conn:
        row = directory_row(conn, slug)
        if row is None:
            found = conn.execute(sa.text("select id from crm.tenant where slug = :s"), {"s": slug}).scalar()
            if found is None:
                raise PlacementError(f"tenant {slug!r} does not exist on any server")
            record_placement(conn, tenant_id=found, slug=slug, server=PRIMARY)
            row = directory_row(conn, slug)
    assert row is not None
    return row


def _set(settings: Settings, tenant_id: uuid.UUID, **values: str | None) -> None:
    with admin_engine(settings).begin() as conn:
        update_directory(conn, tenant_id, **values)
    get_router(settings).forget(tenant_id)


def _vector_partition(settings: Settings, server: str, tenant_id: uuid.UUID, *, present: bool) -> None:
    """Create (or drop) the tenant's partition of crm.embedding (ADR 0028) in its own short transaction: rows are
    copied and deleted with triggers off, and creating a partition locks crm.embedding for every tenant until the
    transaction ends, so never inside a copy."""
    action = "ensure" if present else "drop"
    with admin_engine(server_settings(settings, server)).begin() as conn:
        conn.execute(sa.text(f"select crm_part.{action}_embedding_partition(:t)"), {"t": tenant_id})


def _clean_source(settings: Settings, tenant_id: uuid.UUID, server: str) -> None:
    with _owner_tx(settings, server, tenant_id) as conn:
        _delete_tenant_rows(conn, tenant_id, fk_order(conn, tenant_tables()), marts=True)
    _vector_partition(settings, server, tenant_id, present=False)
    _set(settings, tenant_id, cleanup_on=None)


def move_tenant(settings: Settings, slug: str, to: str, *, wait_seconds: float | None = None,
                after_step: Callable[[str], None] | None = None) -> MoveReport:
    """Move (or finish moving) tenant `slug` to server `to`. `after_step(step)` runs after each recorded step
    (tests inject failures there). Raises PlacementError for bad input, MoveFailed when verification fails."""
    started = time.perf_counter()
    if to not in server_names(settings):
        raise PlacementError(f"unknown database server {to!r} (configured: {', '.join(server_names(settings))})")
    step = after_step or (lambda _step: None)
    row = _start(settings, slug)
    report = MoveReport(row.tenant_id, slug, row.cleanup_on or row.server, to,
                        resumed=row.moving_to is not None or row.cleanup_on is not None)
    if row.moving_to is None and row.cleanup_on is not None:  # flipped, the source not yet cleaned
        _clean_source(settings, row.tenant_id, row.cleanup_on)
        step("cleaned")
        if row.server == to:
            report.seconds = time.perf_counter() - started
            return report
        row = _start(settings, slug)
    if row.moving_to is not None and row.moving_to != to:
        raise PlacementError(f"tenant {slug!r} has an unfinished move to {row.moving_to!r}: run the move with "
                             f"--to {row.moving_to} to finish it, or abort it")
    if row.moving_to is None:
        if row.server == to:
            raise PlacementError(f"tenant {slug!r} is already on server {to!r}")
        _set(settings, row.tenant_id, moving_to=to, move_step="marked")
        step("marked")
    source = report.source = row.server
    # Every API process must have seen the mark (its directory cache expired) before rows are read.
    wait = settings.tenant_cache_seconds if wait_seconds is None else wait_seconds
    if wait > 0:
        time.sleep(wait)
    _vector_partition(settings, to, row.tenant_id, present=True)
    report.rows = _copy(settings, row.tenant_id, source, to)
    _set(settings, row.tenant_id, move_step="copied")
    step("copied")
    before, after = (table_fingerprints(settings, server, row.tenant_id) for server in (source, to))
    differ = sorted(t for t in before if before[t] != after[t])
    if differ:
        abort_move(settings, slug)
        raise MoveFailed(f"tenant {slug!r}: the copy on {to!r} differs from {source!r} in {', '.join(differ)}; "
                         "the move was rolled back")
    step("verified")
    _set(settings, row.tenant_id, server=to, moving_to=None, move_step=None, cleanup_on=source)
    step("flipped")
    _clean_source(settings, row.tenant_id, source)
    step("cleaned")
    report.seconds = time.perf_counter() - started
    return report


def abort_move(settings: Settings, slug: str) -> DirectoryRow:
    """Undo an unfinished move: the target's partial rows deleted, the tenant serving from its source again. A move
    that already flipped cannot be aborted (its target is the truth); run it again to finish the clean-up."""
    row = _start(settings, slug)
    if row.moving_to is None:
        raise PlacementError(f"tenant {slug!r} has no unfinished move"
                             + (f" (its old server {row.cleanup_on!r} still awaits clean-up: run the move again)"
                                if row.cleanup_on else ""))
    with _owner_tx(settings, row.moving_to, row.tenant_id) as conn:
        _delete_tenant_rows(conn, row.tenant_id, fk_order(conn, tenant_tables()), marts=True)
    _vector_partition(settings, row.moving_to, row.tenant_id, present=False)
    _set(settings, row.tenant_id, moving_to=None, move_step=None)
    return _start(settings, slug)
