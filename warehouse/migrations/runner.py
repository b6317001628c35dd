"""Apply `versions/NNNN_name.sql` in order, once each, under an advisory lock.

Forward-only: an applied file whose checksum changed is an error (write a new migration instead), and a database
whose schema is newer than this code knows is refused. After the files, the application role is (re)asserted:
it logs in, does not own the tables, has no BYPASSRLS, and gets only DML on the crm schema.

The production files are one stream; another package may keep its own (the demo world's truth tables: see
docs/adr/0015). Each stream has its own ledger table, so its versions never mix with production's.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.settings import Settings

log = logging.getLogger(__name__)

VERSIONS_DIR = Path(__file__).parent / "versions"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 727_100_001  # arbitrary, stable: serializes concurrent migrators
_LEDGER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Reference tables the application may read but never change.
READ_ONLY_TABLES = ("role", "permission", "role_permission", "skill")


class MigrationError(RuntimeError):
    pass


class SchemaTooNew(MigrationError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class Stream:
    """An ordered set of forward-only SQL files and the table (in schema public) that records which were applied."""

    name: str
    directory: Path
    ledger: str = "schema_migrations"

    def __post_init__(self) -> None:
        if not _LEDGER.match(self.ledger):
            raise MigrationError(f"invalid ledger table name for stream {self.name!r}: {self.ledger!r}")


PRODUCTION = Stream("production", VERSIONS_DIR)


def known_migrations(directory: Path = VERSIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name must be NNNN_name.sql: {path.name}")
        found.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {directory}")
    return found


def applied_versions(engine: Engine, ledger: str = PRODUCTION.ledger) -> dict[int, str]:
    if not _LEDGER.match(ledger):
        raise MigrationError(f"invalid ledger table name: {ledger!r}")
    with engine.connect() as conn:
        exists = conn.execute(sa.text(f"select to_regclass('public.{ledger}')")).scalar()
        if not exists:
            return {}
        rows = conn.execute(sa.text(f"select version, checksum from public.{ledger}"))
        return {int(v): c for v, c in rows}


def migrate(engine: Engine, settings: Settings, directory: Path = VERSIONS_DIR) -> list[int]:
    """Bring the database to the newest known production schema; return the versions applied now."""
    return apply_stream(engine, Stream(PRODUCTION.name, directory, PRODUCTION.ledger),
                        after=lambda conn: _assert_app_role(conn, settings))


def apply_stream(engine: Engine, stream: Stream,
                 after: Callable[[sa.Connection], None] | None = None) -> list[int]:
    """Apply the stream's files not yet in its ledger, in order; then `after` (same lock). Return versions applied."""
    migrations = known_migrations(stream.directory)
    newest_known = max((m.version for m in migrations), default=0)
    ledger = f"public.{stream.ledger}"
    applied_now: list[int] = []
    with engine.connect() as conn:
        conn.execute(sa.text("select pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        conn.commit()  # session-level lock; end the implicit transaction so each step has its own
        try:
            with conn.begin():
                conn.execute(sa.text(
                    f"create table if not exists {ledger} ("
                    " version int primary key, name text not null, checksum text not null,"
                    " applied_at timestamptz not null default now())"
                ))
            with conn.begin():
                applied = {int(v): c for v, c in conn.execute(sa.text(f"select version, checksum from {ledger}"))}
            if applied and max(applied) > newest_known:
                raise SchemaTooNew(
                    f"database schema ({stream.name}) is at version {max(applied)}, newer than this code knows "
                    f"({newest_known}); upgrade BenchCRM instead of migrating"
                )
            for m in migrations:
                if m.version in applied:
                    if applied[m.version] != m.checksum:
                        raise MigrationError(
                            f"migration {m.version:04d}_{m.name} ({stream.name}) changed after it was applied; "
                            "write a new migration instead"
                        )
                    continue
                log.info("applying %s migration %04d_%s", stream.name, m.version, m.name)
                with conn.begin():
                    # the DBAPI cursor, so the SQL is sent verbatim (no placeholder parsing of `%I`)
                    conn.connection.driver_connection.execute(m.sql)
                    conn.execute(
                        sa.text(f"insert into {ledger} (version, name, checksum) values (:v, :n, :c)"),
                        {"v": m.version, "n": m.name, "c": m.checksum},
                    )
                applied_now.append(m.version)
            if after is not None:
                with conn.begin():
                    after(conn)
        finally:
            conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
    return applied_now


def _assert_app_role(conn: sa.Connection, settings: Settings) -> None:
    role = settings.app_db_role
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise MigrationError(f"invalid application role name: {role!r}")
    from warehouse.credentials import app_db_password

    password = app_db_password(settings).replace("'", "''")
    exists = conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": role}).scalar()
    verb = "alter" if exists else "create"
    conn.exec_driver_sql(
        f"{verb} role {role} login nosuperuser nobypassrls nocreatedb nocreaterole password '{password}'"
    )
    database = conn.execute(sa.text("select current_database()")).scalar()
    conn.exec_driver_sql(f'grant connect on database "{database}" to {role}')
    conn.exec_driver_sql(f"grant usage on schema crm, app to {role}")
    conn.exec_driver_sql(f"grant select, insert, update, delete on all tables in schema crm to {role}")
    conn.exec_driver_sql(f"grant usage, select on all sequences in schema crm to {role}")
    conn.exec_driver_sql(f"grant execute on all functions in schema app to {role}")
    for table in READ_ONLY_TABLES:
        conn.exec_driver_sql(f"revoke insert, update, delete on crm.{table} from {role}")
    conn.exec_driver_sql(f"alter role {role} set search_path = crm, public")
