"""Write the taxonomy into crm.skill (owner connection; the application role may only read it).

Two set-based statements over a JSON array of all skills (about 10k rows: one round trip each instead of one per
row). Rows whose values did not change are not rewritten, so a second run is a no-op. Skills that left the taxonomy
stay (mentions may point at them).
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from ml.taxonomy.catalog import Taxonomy

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


def sync_taxonomy(conn: sa.Connection, taxonomy: Taxonomy) -> int:
    """Upsert every skill, then wire parents. Idempotent. Returns the number of skills."""
    skills = sorted(taxonomy.skills.values(), key=lambda s: s.name)
    rows = [{"name": s.name, "category": s.category, "aliases": list(s.aliases), "hot": s.hot,
             "in_demand": s.in_demand, "source": s.source, "kind": s.kind} for s in skills]
    conn.execute(_UPSERT, {"rows": json.dumps(rows), "version": taxonomy.version})
    conn.execute(_PARENTS, {"rows": json.dumps([{"name": s.name, "parent": s.parent} for s in skills])})
    return len(skills)
