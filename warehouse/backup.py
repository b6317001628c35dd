"""Backup and restore of the whole BenchCRM database with pg_dump/pg_restore (custom format), for the embedded
server or an external one, and the table-by-table fingerprints a restore drill compares.

Roles live outside a database and are not in a dump: a restore first creates the application role and the BI group
(the migration runner then re-asserts the application role and its password); per-tenant BI logins must be issued
again with `benchcrm bi-credentials` on the new server (their mapping rows are restored, their passwords are not).
The tools come from the pgserver package (PostgreSQL 16), so an external server must be version 16 or older.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from warehouse.settings import Settings

SCHEMAS = ("crm", "app", "world", "marts", "public")


class BackupError(RuntimeError):
    """The backup or restore failed; the message is the one-line cause."""


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore shipped with pgserver (same major version as the embedded server), else from PATH."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:  # pragma: no cover - pgserver is a hard dependency
        POSTGRES_BIN_PATH = None
    if POSTGRES_BIN_PATH is not None and (POSTGRES_BIN_PATH / name).is_file():
        return str(POSTGRES_BIN_PATH / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found (pgserver's bin folder or PATH)")
    return found


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without its password (which would show in `ps`) and the environment carrying it instead."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        raise BackupError(f"{what} failed: {lines[0] if lines else f'exit code {proc.returncode}'}")


def backup(owner_url: str, out: Path) -> int:
    """Dump the database to `out` (custom format, compressed); returns its size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    dsn, env = libpq_target(owner_url)
    tmp = out.with_name(out.name + ".partial")
    _run([pg_tool("pg_dump"), "--format=custom", "--file", str(tmp), "--dbname", dsn], env, "pg_dump")
    os.chmod(tmp, 0o600)  # the dump holds every tenant's personal data
    tmp.replace(out)
    return out.stat().st_size


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not conn.execute(sa.text(
            "select exists (select 1 from pg_namespace where nspname in ('crm', 'app', 'world', 'marts'))")).scalar()


def ensure_roles(engine: Engine, settings: Settings) -> None:
    """Roles the dump's GRANTs name (they are per server, not in a dump)."""
    from warehouse.bi_access import BI_GROUP
    from warehouse.credentials import app_db_password

    role = settings.app_db_role
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise BackupError(f"invalid application role name: {role!r}")
    password = app_db_password(settings).replace("'", "''")
    with engine.begin() as conn:
        if not conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": role}).scalar():
            conn.exec_driver_sql(f"create role {role} login nosuperuser nobypassrls password '{password}'")
        if not conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": BI_GROUP}).scalar():
            conn.exec_driver_sql(f"create role {BI_GROUP} nologin nosuperuser nobypassrls")


def restore(engine: Engine, owner_url: str, settings: Settings, dump: Path) -> None:
    """Restore `dump` into the (empty) database of `owner_url` in one transaction, then re-assert the roles."""
    from warehouse.migrations import migrate

    if not dump.is_file():
        raise BackupError(f"no such backup file: {dump}")
    if not is_empty(engine):
        raise BackupError("the target database already has BenchCRM schemas; restore into an empty one "
                          "(a new BENCHCRM_DATA_DIR, or a new database on the external server)")
    ensure_roles(engine, settings)
    dsn, env = libpq_target(owner_url)
    _run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", dsn,
          str(dump)], env, "pg_restore")
    migrate(engine, settings)  # nothing to apply (the versions came with the dump); re-grants the app role


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    digest: str  # md5 over the sorted md5s of every row's text (vectors included): order-independent


def table_fingerprints(engine: Engine, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, Fingerprint]:
    """Rows and a content digest of every base table in `schemas` (owner connection: RLS bypassed)."""
    out: dict[str, Fingerprint] = {}
    with engine.connect() as conn:
        tables = conn.execute(sa.text(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema = any(:s) order by 1"), {"s": list(schemas)}).scalars()
        for table in list(tables):
            schema, name = table.split(".", 1)
            quoted = f'"{schema}"."{name}"'
            rows, digest = conn.execute(sa.text(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f"from (select md5(t::text) as h from {quoted} t) x")).one()
            out[table] = Fingerprint(int(rows), str(digest))
    return out


def compare_fingerprints(before: dict[str, Fingerprint], after: dict[str, Fingerprint]) -> list[str]:
    """One line per table that differs (missing, extra, other row count, other content); empty when identical."""
    problems = []
    for table in sorted(set(before) | set(after)):
        b, a = before.get(table), after.get(table)
        if b is None or a is None:
            problems.append(f"{table}: {'missing after restore' if a is None else 'not in the source'}")
        elif b.rows != a.rows:
            problems.append(f"{table}: {b.rows} rows before, {a.rows} after")
        elif b.digest != a.digest:
            problems.append(f"{table}: same row count ({b.rows}), different content")
    return problems
