"""crm.skill: the skill taxonomy as reference data (written by `benchcrm migrate`'s taxonomy sync, read by all)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

_UPSERT = sa.text(
    "insert into crm.skill as s (canonical_name, category, aliases, taxonomy_version, hot, in_demand, source, kind) "
    "select r.name, r.category, array(select jsonb_array_elements_text(r.aliases)), :version, r.hot, r.in_demand, "
    "       r.source, r.kind "
    "from jsonb_to_recordset(cast(:rows as jsonb)) as r(name text, category text, aliases jsonb, hot boolean, "
    "     in_demand boolean, source text, kind text) "
    "on conflict (canonical_name) do update set category = excluded.category, aliases = excluded.aliases, "
    "taxonomy_version = excluded.taxonomy_version, hot = excluded.hot, in_demand = excluded.in_demand, "
    "source = excluded.source, kind = excluded.kind "
    "where (s.category, s.aliases, s.taxonomy_version, s.hot, s.in_demand, s.source, s.kind) is distinct from "
    "(excluded.category, excluded.aliases, excluded.taxonomy_version, excluded.hot, excluded.in_demand, "
    " excluded.source, excluded.kind)"
)
_PARENTS = sa.text(
    "update crm.skill c set parent_id = p.id "
    "from jsonb_to_recordset(cast(:rows as jsonb)) as r(name text, parent text) "
    "left join crm.skill p on p.canonical_name = r.parent "
    "where c.canonical_name = r.name and c.parent_id is distinct from p.id"
)


def upsert_skills(conn: sa.Connection, rows: Sequence[dict[str, Any]], *, version: str) -> None:
    """Insert or update skills by canonical name (`name, category, aliases, hot, in_demand, source, kind` each);
    rows that did not change are not rewritten. One statement for the whole taxonomy."""
    conn.execute(_UPSERT, {"rows": json.dumps(list(rows)), "version": version})


def set_parents(conn: sa.Connection, parents: Sequence[dict[str, str | None]]) -> None:
    """Point each skill (`name`) at its parent (`parent`, None for a root) by canonical name."""
    conn.execute(_PARENTS, {"rows": json.dumps(list(parents))})
