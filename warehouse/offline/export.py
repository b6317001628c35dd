"""Snapshot the dbt marts to Parquet plus a DuckDB file of views over them, for offline analysis.

DuckDB reads Parquet with its built-in reader (no network extension). The owner connection reads the marts
(BYPASSRLS): an export is either every tenant ("all") or filtered to one tenant explicitly.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

MARTS_SCHEMA = "marts"
DUCKDB_FILE = "marts.duckdb"


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    duckdb_path: Path
    row_counts: dict[str, int] = field(default_factory=dict)


def mart_tables(conn: sa.Connection, schema: str = MARTS_SCHEMA) -> list[str]:
    return list(conn.execute(sa.text(
        "select table_name from information_schema.tables where table_schema = :s and table_type = 'BASE TABLE' "
        "order by table_name"), {"s": schema}).scalars())


def _arrow_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    # psycopg returns uuid.UUID objects, which Arrow cannot type; their text form is what BI tools expect.
    for column in frame.columns:
        non_null = frame[column].dropna()
        if not non_null.empty and isinstance(non_null.iloc[0], uuid.UUID):
            frame[column] = frame[column].map(lambda v: None if v is None else str(v))
    return frame


def export_marts(engine: sa.Engine, out_dir: Path, *, tenant_id: uuid.UUID | None = None) -> ExportResult:
    """Write `<out_dir>/<table>.parquet` for every mart table and `<out_dir>/marts.duckdb` with one view each.

    The Parquet files are written to a sibling temp folder and swapped in, so a reader never sees a mix of two
    snapshots and a table dropped from the marts does not linger.
    """
    import duckdb

    out_dir = out_dir.resolve()
    staging = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        tables = mart_tables(conn)
        if not tables:
            raise RuntimeError(f"schema {MARTS_SCHEMA!r} has no tables: build the marts (dbt) before exporting")
        for table in tables:
            query = f'select * from {MARTS_SCHEMA}."{table}"'
            params: dict[str, object] = {}
            if tenant_id is not None:
                query += " where tenant_id = :tenant"
                params["tenant"] = tenant_id
            frame = _arrow_friendly(pd.read_sql(sa.text(query), conn, params=params))
            frame.to_parquet(staging / f"{table}.parquet", engine="pyarrow", index=False)
            counts[table] = len(frame)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    # DuckDB binds a view when it is created, so the views are made once the Parquet files are in place.
    with duckdb.connect(str(out_dir / DUCKDB_FILE)) as db:
        for table in tables:
            path = (out_dir / f"{table}.parquet").as_posix().replace("'", "''")
            db.execute(f"create or replace view \"{table}\" as select * from read_parquet('{path}')")
    return ExportResult(directory=out_dir, duckdb_path=out_dir / DUCKDB_FILE, row_counts=counts)
