"""Several inserts sent as one statement (data-modifying CTEs, docs/adr/0026): one round trip instead of one per
insert, and all of them applied or none. Postgres runs every data-modifying CTE exactly once whether or not it is
read, and checks foreign keys at the end of the statement, so a part may reference rows another part inserts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Insert:
    """One INSERT (no RETURNING) and its bound parameters. Parts of one statement share a parameter name only when
    they mean the same value (a run's id in the run and in its items)."""

    sql: str
    params: dict[str, Any]


def statement(inserts: Sequence[Insert]) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters that run `inserts` as one statement."""
    if not inserts:
        raise ValueError("nothing to insert")
    params: dict[str, Any] = {}
    for part in inserts:
        for name, value in part.params.items():
            if name in params and params[name] != value:
                raise ValueError(f"parameter {name!r} is bound to two different values")
            params[name] = value
    if len(inserts) == 1:
        return inserts[0].sql, params
    ctes = ", ".join(f"w{i} as ({part.sql})" for i, part in enumerate(inserts))
    return f"with {ctes} select 1", params


def insert_together(conn: sa.Connection, inserts: Sequence[Insert]) -> None:
    """Run `inserts` in one round trip, in the caller's transaction."""
    sql, params = statement(inserts)
    conn.execute(_text(sql), params)


@lru_cache(maxsize=64)
def _text(sql: str) -> sa.TextClause:
    """The few statements a process composes, parsed for their parameters once (every recommendation writes one)."""
    return sa.text(sql)
