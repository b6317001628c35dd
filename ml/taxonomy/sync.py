"""Write the taxonomy into crm.skill (owner connection; the application role may only read it).

Two set-based statements over a JSON array of all skills (about 10k rows: one round trip each instead of one per
row). Rows whose values did not change are not rewritten, so a second run is a no-op. Skills that left the taxonomy
stay (mentions may point at them).
"""

from __future__ import annotations

import sqlalchemy as sa

from ml.taxonomy.catalog import Taxonomy
from warehouse.repositories import skills as skill_repo


def sync_taxonomy(conn: sa.Connection, taxonomy: Taxonomy) -> int:
    """Upsert every skill, then wire parents. Idempotent. Returns the number of skills."""
    skills = sorted(taxonomy.skills.values(), key=lambda s: s.name)
    rows = [{"name": s.name, "category": s.category, "aliases": list(s.aliases), "hot": s.hot,
             "in_demand": s.in_demand, "source": s.source, "kind": s.kind} for s in skills]
    skill_repo.upsert_skills(conn, rows, version=taxonomy.version)
    skill_repo.set_parents(conn, [{"name": s.name, "parent": s.parent} for s in skills])
    return len(skills)
