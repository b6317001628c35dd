"""Write the taxonomy into crm.skill (owner connection; the application role may only read it)."""

from __future__ import annotations

import sqlalchemy as sa

from ml.taxonomy.catalog import Taxonomy


def sync_taxonomy(conn: sa.Connection, taxonomy: Taxonomy) -> int:
    """Upsert every skill, then wire parents. Idempotent. Returns the number of skills."""
    upsert = sa.text(
        "insert into crm.skill (canonical_name, category, aliases, taxonomy_version) "
        "values (:name, :category, :aliases, :version) "
        "on conflict (canonical_name) do update set category = excluded.category, "
        "aliases = excluded.aliases, taxonomy_version = excluded.taxonomy_version"
    )
    conn.execute(upsert, [
        {"name": s.name, "category": s.category, "aliases": list(s.aliases), "version": taxonomy.version}
        for s in taxonomy.skills.values()
    ])
    conn.execute(
        sa.text(
            "update crm.skill c set parent_id = p.id from crm.skill p "
            "where c.canonical_name = :child and p.canonical_name = :parent"
        ),
        [{"child": s.name, "parent": s.parent} for s in taxonomy.skills.values() if s.parent],
    )
    return len(taxonomy.skills)
