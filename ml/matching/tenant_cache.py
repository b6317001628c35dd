"""What ranking reads of a tenant on every request, kept in this process's memory (docs/adr/0022): the candidate
side's records (rows, taxonomy skills, a requirement's best quotes) per entity id, and the tenant's sent-submission
outcome rows (the history aggregates' input).

Freshness: the database announces each committed change to those tables (`pg_notify('benchcrm_changes', …)`,
migration 0026) and the listener (serving/change_listener.py) drops the entries it names. An entry is also never
served older than `max_staleness_s`, in case a notification is lost; and while no listener is connected the cache
serves nothing (`enabled` is False), so every read goes to the database. The cache is filled only with what a
tenant-scoped (RLS) connection returned and keyed by that connection's tenant, so tenants never share entries.

Memory: at most `max_records` records and `max_histories` tenant histories are held; past that the least recently
used go first, so a process serving many tenants keeps the busy ones and never grows without bound.

Pure: the database reads are passed in as functions; the clock is injectable for tests.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Tables whose change notification names an entity (the payload's id is the entity's id) or the history.
ENTITY_OF_TABLE = {"consultant": "consultant", "consultant_skill": "consultant", "requirement": "requirement",
                   "requirement_skill": "requirement", "requirement_source": "requirement"}
HISTORY_TABLES = frozenset({"submission", "interview", "requirement"})  # a requirement's client feeds history too

LoadRecords = Callable[[list[uuid.UUID]], list[dict[str, Any]]]


@dataclass(frozen=True)
class OutcomeRow:
    """One sent submission as history sees it (the columns of warehouse.queries.matching.sent_submissions_of)."""

    id: uuid.UUID
    consultant_id: str
    client_company_id: str | None
    submitted_at: Any
    closed_at: Any
    first_interview: Any
    advanced: bool


@dataclass(frozen=True)
class _History:
    rows: list[OutcomeRow]
    by_consultant: dict[str, list[int]]
    by_client: dict[str, list[int]]

    @classmethod
    def of(cls, rows: list[OutcomeRow]) -> _History:
        by_consultant: dict[str, list[int]] = {}
        by_client: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            by_consultant.setdefault(str(r.consultant_id), []).append(i)
            if r.client_company_id is not None:
                by_client.setdefault(str(r.client_company_id), []).append(i)
        return cls(rows, by_consultant, by_client)


class TenantCache:
    def __init__(self, *, max_staleness_s: float, max_records: int = 200_000, max_histories: int = 256,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_records < 1 or max_histories < 1:
            raise ValueError("the ranking cache needs room for at least one record and one history")
        self.max_staleness_s = max_staleness_s
        self.max_records = max_records
        self.max_histories = max_histories
        self._clock = clock
        self._lock = threading.Lock()
        # (tenant, entity, id) -> (read at, record), least recently used first
        self._records: OrderedDict[tuple[str, str, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._history: OrderedDict[str, tuple[float, _History]] = OrderedDict()
        # Bumped by every invalidation of a tenant: a read that started before one must not store what it read
        # (it may predate the change the notification announced).
        self._generation: dict[str, int] = {}
        self._epoch = 0  # bumped by clear(), for tenants not seen yet too
        # When each (tenant, entity) last changed, and when everything was last forgotten: what the text index
        # (ml/matching/text_index.py) asks to keep postings of unchanged tenants past its staleness period.
        self._changed_at: dict[tuple[str, str], float] = {}
        self._cleared_at = clock()
        self.enabled = False
        self.hits = 0
        self.misses = 0

    # --- reads -------------------------------------------------------------------------------------------------
    def records(self, tenant: str, entity: str, ids: Sequence[uuid.UUID], load: LoadRecords
                ) -> list[dict[str, Any]]:
        """The records of these ids (live ones only, ordered by id like the database read), the fresh cached ones
        from memory and the rest through `load(missing_ids)`."""
        if not self.enabled:
            return load(list(ids))
        now = self._clock()
        found: dict[str, dict[str, Any]] = {}
        missing: list[uuid.UUID] = []
        with self._lock:
            generation = self._stamp(tenant)
            for i in ids:
                key = (tenant, entity, str(i))
                hit = self._records.get(key)
                if hit is not None and now - hit[0] <= self.max_staleness_s:
                    found[str(i)] = hit[1]
                    self._records.move_to_end(key)
                else:
                    missing.append(i)
            self.hits += len(found)
            self.misses += len(missing)
        if missing:
            loaded = load(missing)
            with self._lock:
                if self.enabled and self._stamp(tenant) == generation:
                    for r in loaded:
                        key = (tenant, entity, str(r["id"]))
                        self._records[key] = (now, r)
                        self._records.move_to_end(key)
                    while len(self._records) > self.max_records:
                        self._records.popitem(last=False)
            found.update((str(r["id"]), r) for r in loaded)
        # Copies: callers may add keys to a record (the cosine, the embedding); the cached one stays as read.
        return [dict(found[k]) for k in sorted(found, key=lambda k: uuid.UUID(k))]

    def outcome_rows(self, tenant: str, consultant_ids: Iterable[str], client_ids: Iterable[str],
                     load_all: Callable[[], list[OutcomeRow]]) -> list[OutcomeRow]:
        """The sent submissions of these consultants or of these clients' requirements, in the order of
        `load_all()` ((submitted_at, id)), picked through per-key indexes of the tenant's history in memory."""
        history = self._history_of(tenant, load_all) if self.enabled else _History.of(load_all())
        picked: set[int] = set()
        for c in consultant_ids:
            picked.update(history.by_consultant.get(str(c), ()))
        for c in client_ids:
            picked.update(history.by_client.get(str(c), ()))
        return [history.rows[i] for i in sorted(picked)]

    def _history_of(self, tenant: str, load_all: Callable[[], list[OutcomeRow]]) -> _History:
        now = self._clock()
        with self._lock:
            hit = self._history.get(tenant)
            generation = self._stamp(tenant)
            if hit is not None and now - hit[0] <= self.max_staleness_s:
                self._history.move_to_end(tenant)
                return hit[1]
        history = _History.of(load_all())
        with self._lock:
            if self.enabled and self._stamp(tenant) == generation:
                self._history[tenant] = (now, history)
                self._history.move_to_end(tenant)
                while len(self._history) > self.max_histories:
                    self._history.popitem(last=False)
        return history

    # --- invalidation --------------------------------------------------------------------------------------------
    def invalidate(self, tenant: str, table: str, entity_id: str | None) -> None:
        """A change to `table` of this tenant committed; `entity_id` names the consultant or requirement it
        concerns (None: all of the table's entities)."""
        with self._lock:
            self._generation[tenant] = self._generation.get(tenant, 0) + 1
            entity = ENTITY_OF_TABLE.get(table)
            if entity is not None:
                self._changed_at[(tenant, entity)] = self._clock()
                if entity_id is None:
                    for key in [k for k in self._records if k[0] == tenant and k[1] == entity]:
                        del self._records[key]
                else:
                    self._records.pop((tenant, entity, str(entity_id)), None)
            if table in HISTORY_TABLES:
                self._history.pop(tenant, None)

    def clear(self) -> None:
        """Forget everything (the listener (re)connected: notifications may have been missed meanwhile)."""
        with self._lock:
            self._epoch += 1
            self._records.clear()
            self._history.clear()
            self._cleared_at = self._clock()

    def unchanged_since(self, tenant: str, entity: str, since: float) -> bool:
        """Whether, as far as the listener knows, no row of this tenant's `entity` changed after `since` (False
        while the listener is disconnected: then nobody knows)."""
        with self._lock:
            return (self.enabled and self._cleared_at < since
                    and self._changed_at.get((tenant, entity), float("-inf")) < since)

    def _stamp(self, tenant: str) -> tuple[int, int]:
        return self._epoch, self._generation.get(tenant, 0)

    def size(self) -> dict[str, int]:
        with self._lock:
            return {"records": len(self._records), "histories": len(self._history)}
