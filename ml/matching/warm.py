"""A tenant's ranking caches filled before an API worker accepts requests (issue 12, docs/adr/0040).

A fresh worker holds no candidate records, no outcome history and no text postings, so its first rankings read
them all from the database: on the 100k world a cold requirement ranking took 80-140 ms instead of ~20, and for
the first minute after a restart at 40 requests a second p95 was over a second. `warm_tenant` ranks a few of the
tenant's most recently updated anchors in each direction, which reads the history, the postings of their words
and their candidates' records exactly as requests will (nothing is stored), then reads every matchable record of
both sides into the cache while the time allows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from ml.matching import service
from ml.matching.champion import ChampionModel
from ml.matching.loaders import load_candidate_records
from ml.matching.tenant_cache import TenantCache
from ml.matching.text_index import TextIndex
from warehouse.queries.matching import CONSULTANT, REQUIREMENT, Direction, matchable_ids

RECORDS_PER_READ = 2_000


@dataclass(frozen=True)
class Warmed:
    rankings: int  # anchors ranked (history, postings and their candidates' records now in memory)
    records: int   # matchable records read into the cache afterwards
    complete: bool  # False: the deadline came first


def warm_tenant(conn: sa.Connection, tenant_id: uuid.UUID, *, cache: TenantCache, text_index: TextIndex | None,
                model: ChampionModel | None, anchors: int, deadline: float,
                clock: Callable[[], float] = time.monotonic) -> Warmed:
    """`conn` is the tenant's transaction (RLS). Stops at `deadline` (on `clock`), between two reads."""
    picks = {Direction.FOR_REQUIREMENT: matchable_ids(conn, REQUIREMENT, anchors),
             Direction.FOR_CONSULTANT: matchable_ids(conn, CONSULTANT, anchors)}
    rankings = 0
    for i in range(anchors):
        for direction, ids in picks.items():
            if i >= len(ids):
                continue
            if clock() >= deadline:
                return Warmed(rankings, 0, complete=False)
            service.recommend(conn, direction, tenant_id=tenant_id, anchor_id=ids[i], model=model, cache=cache,
                              text_index=text_index)
            rankings += 1
    if text_index is not None:  # postings of words first seen are read in the background
        text_index.wait_idle(timeout=max(0.0, deadline - clock()))
    records = 0
    for entity in (CONSULTANT, REQUIREMENT):
        ids = matchable_ids(conn, entity, cache.max_records)
        for start in range(0, len(ids), RECORDS_PER_READ):
            if clock() >= deadline:
                return Warmed(rankings, records, complete=False)
            records += len(load_candidate_records(conn, entity, ids[start:start + RECORDS_PER_READ], cache))
    return Warmed(rankings, records, complete=True)
