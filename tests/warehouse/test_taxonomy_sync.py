"""`benchcrm migrate` loads the ~10k-skill taxonomy into crm.skill quickly and a second load changes nothing."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from ml.taxonomy import load_taxonomy
from ml.taxonomy.sync import sync_taxonomy


def test_sync_is_fast_complete_and_idempotent(admin_engine):
    taxonomy = load_taxonomy()
    with admin_engine.begin() as conn:
        started = time.perf_counter()
        assert sync_taxonomy(conn, taxonomy) == len(taxonomy.skills)
        assert time.perf_counter() - started < 30
        xmin = dict(conn.execute(sa.text("select canonical_name, xmin::text from crm.skill")).all())
    with admin_engine.begin() as conn:
        sync_taxonomy(conn, taxonomy)
        after = dict(conn.execute(sa.text("select canonical_name, xmin::text from crm.skill")).all())
        assert after == xmin  # no row rewritten
        row = conn.execute(sa.text(
            "select s.category, p.canonical_name, s.hot, s.source, s.kind, 'windows' = any(select lower(a) "
            "from unnest(s.aliases) a) from crm.skill s join crm.skill p on p.id = s.parent_id "
            "where s.canonical_name = 'Microsoft Windows'")).one()
        assert row == ("Operating system software", taxonomy.skills["Microsoft Windows"].parent, True, "onet", "skill",
                       True)
        n = conn.execute(sa.text("select count(*) from crm.skill where taxonomy_version = :v"),
                         {"v": taxonomy.version}).scalar()
        assert n == len(taxonomy.skills)


def test_skill_id_map_is_read_once_per_taxonomy_version(admin_engine):


    from warehouse.repositories.requirements import skill_id_map

    name = f"map-test-{uuid.uuid4().hex[:8]}"
    with admin_engine.connect() as conn:
        first = skill_id_map(conn)
        assert skill_id_map(conn) is first and name not in first
        with pytest.raises(TypeError):
            first[name] = 1  # type: ignore[index]  # shared by every caller: read-only
    try:
        with admin_engine.begin() as conn:
            new_id = conn.execute(sa.text("insert into crm.skill (canonical_name, category, taxonomy_version) "
                                          "values (:n, 'test', 'test') returning id"), {"n": name}).scalar_one()
        with admin_engine.connect() as conn:
            assert skill_id_map(conn)[name] == new_id  # the fingerprint changed: read again
    finally:
        with admin_engine.begin() as conn:
            conn.execute(sa.text("delete from crm.skill where canonical_name = :n"), {"n": name})
