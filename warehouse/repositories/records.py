"""Generic, whitelisted SQL for the CRM's CRUD resources (one `TableSpec` per table).

Column names only ever come from a spec (never from the request), every value is a bound parameter, and every
statement runs on a tenant-scoped connection, so RLS decides visibility. Reads skip soft-deleted rows. Lists are
keyset-paginated on (created_at, id) newest first: rows inserted after a cursor was handed out sort before it, so a
client walking the pages never sees a row twice or skips one that existed when it started.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

import sqlalchemy as sa

from warehouse import sealed
from warehouse.pii import BLIND_INDEX_SUFFIX


@dataclass(frozen=True)
class TableSpec:
    table: str                      # crm.<table>
    entity: str                     # singular noun used in audit rows and event types
    columns: tuple[str, ...]        # what the API exposes (plus id/version/created_at/updated_at)
    writable: frozenset[str]        # columns a create/update may set
    filters: frozenset[str] = frozenset()   # equality filters
    tsv: bool = False               # full-text search on the generated `search_tsv` column
    search_columns: tuple[str, ...] = ()    # otherwise: case-insensitive substring on these
    immutable: frozenset[str] = field(default_factory=frozenset)  # settable on create only

    @property
    def select_list(self) -> str:
        return ", ".join(("id", "version", "created_at", "updated_at", *self.columns))


class VersionConflict(Exception):
    """The row exists but its version is not the one the client based its change on."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"current version is {current_version}")
        self.current_version = current_version


def _row(result: sa.CursorResult) -> dict[str, Any] | None:
    row = result.mappings().first()
    return dict(row) if row is not None else None


class Query(NamedTuple):
    """One statement (named `:params`) and its parameters: run on a connection (`get_row`), or in one round trip
    by `warehouse.db.read_in_one_round_trip`."""
    sql: str
    params: dict[str, Any]


def opened(spec: TableSpec, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as read, with their sealed contact columns decrypted."""
    return [row for row in (sealed.open_row(spec.table, r) for r in rows) if row is not None]


def list_query(spec: TableSpec, *, filters: dict[str, Any], q: str | None, after: tuple[datetime, uuid.UUID] | None,
               limit: int) -> Query:
    """Up to `limit` rows, newest first, strictly after the keyset cursor `after` (the list route reads it with
    `warehouse.db.read_in_one_round_trip`, then `opened`)."""
    where = ["deleted_at is null"]
    params: dict[str, Any] = {"limit": limit}
    source = f"crm.{spec.table}"
    for name, value in filters.items():
        if name not in spec.filters:
            raise ValueError(f"{name} is not a filter of {spec.table}")
        if value is None:
            continue
        where.append(f"{name} = :f_{name}")
        params[f"f_{name}"] = value
    if q:
        if spec.tsv:
            # The page comes from app.fts_<table> (migration 0016), which filters by app.current_tenant() itself and
            # so may use the GIN index without a LEAKPROOF catalog change; it gets the filters, cursor and page size
            # so its planner can choose as freely as one without RLS. The outer clauses repeat them (a no-op).
            source = (f"app.fts_{spec.table}(websearch_to_tsquery('english', :q), cast(:fts_filters as jsonb), "
                      f"cast(:fts_after_at as timestamptz), cast(:fts_after_id as uuid), :limit) as {spec.table}")
            params["q"] = q
            params["fts_filters"] = json.dumps(
                {k: v.value if isinstance(v, Enum) else str(v) for k, v in filters.items() if v is not None})
            params["fts_after_at"], params["fts_after_id"] = after if after is not None else (None, None)
        elif spec.search_columns:
            haystack = " || ' ' || ".join(f"coalesce({c}::text, '')" for c in spec.search_columns)
            matches = [f"({haystack}) ilike :q escape '\\'"]
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["q"] = f"%{escaped}%"
            # sealed columns (email, phone) match a whole value through their blind index
            for column, _ in sealed.sealed_columns(spec.table):
                matches.append(f"{column}{BLIND_INDEX_SUFFIX} = :q_{column}")
                params[f"q_{column}"] = sealed.blind_index(spec.table, column, q)
            where.append(f"({' or '.join(matches)})")
    if after is not None:
        where.append("(created_at, id) < (:c_at, :c_id)")
        params["c_at"], params["c_id"] = after
    return Query(f"select {spec.select_list} from {source} where {' and '.join(where)} "
                 "order by created_at desc, id desc limit :limit", params)


def get_row(conn: sa.Connection, spec: TableSpec, row_id: uuid.UUID, *, for_update: bool = False
            ) -> dict[str, Any] | None:
    query = get_query(spec, row_id, for_update=for_update)
    return sealed.open_row(spec.table, _row(conn.execute(sa.text(query.sql), query.params)))


def get_query(spec: TableSpec, row_id: uuid.UUID, *, for_update: bool = False) -> Query:
    lock = " for update" if for_update else ""
    return Query(f"select {spec.select_list} from crm.{spec.table} where id = :id and deleted_at is null{lock}",
                 {"id": row_id})


def insert_row(conn: sa.Connection, spec: TableSpec, *, tenant_id: uuid.UUID, values: dict[str, Any]
               ) -> dict[str, Any]:
    unknown = set(values) - spec.writable - spec.immutable
    if unknown:
        raise ValueError(f"not writable on {spec.table}: {sorted(unknown)}")
    values = sealed.seal(spec.table, values)
    cols = ["tenant_id", *values]
    sql = (f"insert into crm.{spec.table} ({', '.join(cols)}) values ({', '.join(':' + c for c in cols)}) "
           f"returning {spec.select_list}")
    row = sealed.open_row(spec.table, _row(conn.execute(sa.text(sql), {"tenant_id": tenant_id, **values})))
    assert row is not None
    return row


def update_row(conn: sa.Connection, spec: TableSpec, row_id: uuid.UUID, *, values: dict[str, Any],
               expected_version: int | None) -> dict[str, Any] | None:
    """Apply `values` and bump the version. None if the row does not exist (or is deleted, or another tenant's);
    VersionConflict if `expected_version` is stale."""
    unknown = set(values) - spec.writable
    if unknown:
        raise ValueError(f"not writable on {spec.table}: {sorted(unknown)}")
    values = sealed.seal(spec.table, values)
    sets = [f"{c} = :v_{c}" for c in values] + ["version = version + 1", "updated_at = now()"]
    params: dict[str, Any] = {f"v_{c}": v for c, v in values.items()} | {"id": row_id}
    guard = ""
    if expected_version is not None:
        guard = " and version = :expected"
        params["expected"] = expected_version
    row = sealed.open_row(spec.table, _row(conn.execute(sa.text(
        f"update crm.{spec.table} set {', '.join(sets)} where id = :id and deleted_at is null{guard} "
        f"returning {spec.select_list}"), params)))
    if row is None and expected_version is not None:
        current = conn.execute(sa.text(
            f"select version from crm.{spec.table} where id = :id and deleted_at is null"), {"id": row_id}).scalar()
        if current is not None:
            raise VersionConflict(int(current))
    return row


def soft_delete_row(conn: sa.Connection, spec: TableSpec, row_id: uuid.UUID, *, expected_version: int | None
                    ) -> dict[str, Any] | None:
    """Mark deleted (and bump the version); returns the row as it was before, or None if absent."""
    before = get_row(conn, spec, row_id, for_update=True)
    if before is None:
        return None
    if expected_version is not None and before["version"] != expected_version:
        raise VersionConflict(int(before["version"]))
    conn.execute(sa.text(
        f"update crm.{spec.table} set deleted_at = now(), version = version + 1, updated_at = now() "
        "where id = :id"), {"id": row_id})
    return before
