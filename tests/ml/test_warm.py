"""`ml.matching.warm.warm_tenant` (docs/adr/0040): a tenant's ranking cache and text postings filled as requests
would fill them, before a worker accepts, within a deadline."""

from __future__ import annotations

import time

import sqlalchemy as sa

from ml.matching import service
from ml.matching.tenant_cache import TenantCache
from ml.matching.text_index import TextIndex
from ml.matching.warm import warm_tenant
from warehouse.db import tenant_tx
from warehouse.queries.matching import CONSULTANT, REQUIREMENT, Direction


def _matchable(conn: sa.Connection, entity) -> int:
    return conn.execute(sa.text(f"select count(*) from crm.{entity.name} x where {entity.matchable()}")).scalar_one()


def _fresh() -> tuple[TenantCache, TextIndex]:
    cache = TenantCache(max_staleness_s=300)
    cache.enabled = True  # as once the change listener has connected
    return cache, TextIndex(changes=cache)


def test_warming_reads_every_matchable_record_and_what_the_rankings_read(app_engine, seeded_tenant):
    tenant_id, _ = seeded_tenant
    cache, index = _fresh()
    with tenant_tx(tenant_id, app_engine) as conn:
        warmed = warm_tenant(conn, tenant_id, cache=cache, text_index=index, model=None, anchors=3,
                             deadline=time.monotonic() + 120)
        matchable = _matchable(conn, CONSULTANT) + _matchable(conn, REQUIREMENT)
        anchors = {d: conn.execute(sa.text(f"select x.id from crm.{d.anchor.name} x where {d.anchor.matchable()} "
                                           "order by x.updated_at desc limit 1")).scalar_one() for d in Direction}
    assert warmed.complete and warmed.rankings == 6 and warmed.records == matchable > 0
    assert cache.size()["records"] >= matchable and index.size()["postings"] > 0
    # a request ranking one of the warmed anchors finds its candidates' records in memory
    misses = cache.misses
    with tenant_tx(tenant_id, app_engine) as conn:
        for direction, anchor in anchors.items():
            service.recommend(conn, direction, tenant_id=tenant_id, anchor_id=anchor, cache=cache, text_index=index)
    assert cache.misses == misses and cache.hits > 0


def test_warming_stops_at_its_deadline(app_engine, seeded_tenant):
    tenant_id, _ = seeded_tenant
    cache, index = _fresh()
    with tenant_tx(tenant_id, app_engine) as conn:
        warmed = warm_tenant(conn, tenant_id, cache=cache, text_index=index, model=None, anchors=3,
                             deadline=time.monotonic())
    assert (warmed.rankings, warmed.records, warmed.complete) == (0, 0, False)
    assert cache.size()["records"] == 0
