"""What ranking reads of a tenant on every request, kept in this process's memory (docs/adr/0022): the candidate
side's records (rows, taxonomy skills, a requirement's best quotes) per entity id, and the tenant's sent-submission
outcome rows (the history aggregates' input).

Freshness: the database announces each committed change to those tables (`pg_notify('benchcrm_changes', …)`,
migration 0026) and the listener (serving/change_listener.py) drops the entries it names. An entry is also never
served older than `max_staleness_s`, a backstop for changes that bypass the triggers; and while no listener is
connected the cache serves nothing (`enabled` is False), so every read goes to the database. A record's lifetime is
drawn between half and all of the bound (docs/adr/0035): records read together (a warm start, a burst) are then not
all read again in the same second, which stalled every request of the process once per bound. The cache is filled
only with what a tenant-scoped (RLS) connection returned and keyed by that connection's tenant, so tenants never
share entries.

Memory: at most `max_records` records and `max_histories` tenant histories are held; past that the least recently
used go first, so a process serving many tenants keeps the busy ones and never grows without bound.

Pure: the database reads are passed in as functions; the clock is injectable for tests.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

# Tables whose change notification names an entity (the payload's id is the entity's id) or the history.
ENTITY_OF_TABLE = {"consultant": "consultant", "consultant_skill": "consultant", "requirement": "requirement",
                   "requirement_skill": "requirement", "requirement_source": "requirement"}
HISTORY_TABLES = frozenset({"submission", "interview", "requirement"})  # a requirement's client feeds history too
TAXONOMY_TABLE = "skill"  # global: its notification names no tenant (migration 0038)

# Past this many keys announced since a history was read, it is read whole again (a bulk load, a migration).
MAX_PENDING_KEYS = 1000

LoadRecords = Callable[[list[uuid.UUID]], list[dict[str, Any]]]


@dataclass(frozen=True)
class OutcomeRow:
    """One sent submission as history sees it (the columns of warehouse.queries.matching.sent_submissions)."""

    id: uuid.UUID
    consultant_id: str
    client_company_id: str | None
    submitted_at: Any
    closed_at: Any
    first_interview: Any
    advanced: bool
    requirement_id: str | None = None


@dataclass(frozen=True)
class HistoryKeys:
    """What change notifications named since a tenant's history was read: the sent submissions of these consultants,
    these submissions (their interviews changed) and those to these requirements (a client changed) are re-read."""

    consultants: frozenset[str] = frozenset()
    submissions: frozenset[str] = frozenset()
    requirements: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.consultants) + len(self.submissions) + len(self.requirements)

    def add(self, table: str, key: str) -> HistoryKeys:
        field_name = _KEY_OF_HISTORY_TABLE[table]
        return replace(self, **{field_name: getattr(self, field_name) | {key}})


# Which of a history row's keys a notification of each history table names (its payload's id, migration 0026).
_KEY_OF_HISTORY_TABLE = {"submission": "consultants", "interview": "submissions", "requirement": "requirements"}
LoadHistoryKeys = Callable[[HistoryKeys], list[OutcomeRow]]


def _order(row: OutcomeRow) -> tuple:
    return row.submitted_at, row.id  # the database's order (warehouse.queries.matching.sent_submissions)


def _add_to(index: dict[str, frozenset[uuid.UUID]], key: str | None, row_id: uuid.UUID) -> None:
    if key is not None:
        index[key] = index.get(key, frozenset()) | {row_id}


@dataclass(frozen=True)
class _History:
    """A tenant's sent submissions by id, with per-key indexes; never changed once built (readers share it), a patch
    builds the next one."""

    rows: dict[uuid.UUID, OutcomeRow]
    by_consultant: dict[str, frozenset[uuid.UUID]]
    by_client: dict[str, frozenset[uuid.UUID]]
    by_requirement: dict[str, frozenset[uuid.UUID]]
    read_at: float

    @classmethod
    def of(cls, rows: Iterable[OutcomeRow], read_at: float) -> _History:
        by_consultant: dict[str, set[uuid.UUID]] = {}
        by_client: dict[str, set[uuid.UUID]] = {}
        by_requirement: dict[str, set[uuid.UUID]] = {}
        by_id: dict[uuid.UUID, OutcomeRow] = {}
        for r in rows:
            by_id[r.id] = r
            by_consultant.setdefault(str(r.consultant_id), set()).add(r.id)
            if r.client_company_id is not None:
                by_client.setdefault(str(r.client_company_id), set()).add(r.id)
            if r.requirement_id is not None:
                by_requirement.setdefault(str(r.requirement_id), set()).add(r.id)

        def frozen(index: dict[str, set[uuid.UUID]]) -> dict[str, frozenset[uuid.UUID]]:
            return {k: frozenset(v) for k, v in index.items()}

        return cls(by_id, frozen(by_consultant), frozen(by_client), frozen(by_requirement), read_at)

    def pick(self, consultant_ids: Iterable[str], client_ids: Iterable[str]) -> list[OutcomeRow]:
        picked: set[uuid.UUID] = set()
        for c in consultant_ids:
            picked.update(self.by_consultant.get(str(c), ()))
        for c in client_ids:
            picked.update(self.by_client.get(str(c), ()))
        return sorted((self.rows[i] for i in picked), key=_order)

    def patched(self, keys: HistoryKeys, fresh: list[OutcomeRow]) -> _History:
        """This history with every row the keys name replaced by `fresh` (the database's rows for those keys now)."""
        gone: set[uuid.UUID] = {uuid.UUID(s) for s in keys.submissions}
        for c in keys.consultants:
            gone.update(self.by_consultant.get(c, ()))
        for r in keys.requirements:
            gone.update(self.by_requirement.get(r, ()))
        rows = dict(self.rows)
        indexes = {"by_consultant": dict(self.by_consultant), "by_client": dict(self.by_client),
                   "by_requirement": dict(self.by_requirement)}
        for row_id in gone:
            old = rows.pop(row_id, None)
            if old is None:
                continue
            for name, key in (("by_consultant", old.consultant_id), ("by_client", old.client_company_id),
                              ("by_requirement", old.requirement_id)):
                if key is not None:
                    left = indexes[name][str(key)] - {row_id}
                    if left:
                        indexes[name][str(key)] = left
                    else:
                        del indexes[name][str(key)]
        for r in fresh:
            rows[r.id] = r
            _add_to(indexes["by_consultant"], str(r.consultant_id), r.id)
            _add_to(indexes["by_client"], None if r.client_company_id is None else str(r.client_company_id), r.id)
            _add_to(indexes["by_requirement"], None if r.requirement_id is None else str(r.requirement_id), r.id)
        return _History(rows, read_at=self.read_at, **indexes)


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class TenantCache:
    def __init__(self, *, max_staleness_s: float, max_records: int = 200_000, max_histories: int = 256,
                 clock: Callable[[], float] = time.monotonic,
                 connect: Callable[[str], AbstractContextManager[Any]] | None = None) -> None:
        if max_records < 1 or max_histories < 1:
            raise ValueError("the ranking cache needs room for at least one record and one history")
        self.max_staleness_s = max_staleness_s
        self.max_records = max_records
        self.max_histories = max_histories
        self._clock = clock
        self._lock = threading.Lock()
        # (tenant, entity, id) -> (read at, share of the bound it may live, record), least recently used first
        self._records: OrderedDict[tuple[str, str, uuid.UUID], tuple[float, float, dict[str, Any]]] = OrderedDict()
        self._lifetimes = random.Random()
        self._history: OrderedDict[str, _History] = OrderedDict()
        # Per tenant: the history keys notifications named since its history was read (patched in on the next
        # read), and one lock so that one thread reads a tenant's history while the others wait or serve the last.
        self._pending: dict[str, HistoryKeys] = {}
        self._loading: dict[str, threading.Lock] = {}
        # tenant -> a tenant-scoped connection: histories past the bound are read again in the background
        self._connect = connect
        self._background: ThreadPoolExecutor | None = None  # made on first use, again after close()
        self._rereading: set[str] = set()
        # Bumped by every invalidation of a tenant: a read that started before one must not store what it read
        # (it may predate the change the notification announced).
        self._generation: dict[str, int] = {}
        self._epoch = 0  # bumped by clear(), for tenants not seen yet too
        # When each (tenant, entity) last changed, and when everything was last forgotten: what the text index
        # (ml/matching/text_index.py) asks to keep postings of unchanged tenants past its staleness period.
        self._changed_at: dict[tuple[str, str], float] = {}
        self._cleared_at = clock()
        # The skill graph as last read, with the (epoch, taxonomy changes) it was read under.
        self._taxonomy: tuple[tuple[int, int], Any] | None = None
        self._taxonomy_changes = 0
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
        # Keyed by UUID objects (hashing one is cheap; formatting ~250 of them per request as text was not).
        found: dict[uuid.UUID, dict[str, Any]] = {}
        missing: list[uuid.UUID] = []
        with self._lock:
            generation = self._stamp(tenant)
            for i in ids:
                i = _as_uuid(i)
                key = (tenant, entity, i)
                hit = self._records.get(key)
                if hit is not None and now - hit[0] <= self.max_staleness_s * hit[1]:
                    found[i] = hit[2]
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
                        key = (tenant, entity, _as_uuid(r["id"]))
                        self._records[key] = (now, self._lifetimes.uniform(0.5, 1.0), r)
                        self._records.move_to_end(key)
                    while len(self._records) > self.max_records:
                        self._records.popitem(last=False)
            found.update((_as_uuid(r["id"]), r) for r in loaded)
        # Copies: callers may add keys to a record (the cosine, the embedding); the cached one stays as read.
        return [dict(found[k]) for k in sorted(found)]

    def outcome_rows(self, tenant: str, consultant_ids: Iterable[str], client_ids: Iterable[str],
                     load_all: Callable[[], list[OutcomeRow]], load_keys: LoadHistoryKeys | None = None,
                     reread: Callable[[Any], list[OutcomeRow]] | None = None) -> list[OutcomeRow]:
        """The sent submissions of these consultants or of these clients' requirements, in the order of
        `load_all()` ((submitted_at, id)), picked through per-key indexes of the tenant's history in memory.
        `load_keys(keys)` reads only the rows that notifications named since (without it, the whole history is read
        again); `reread(connection)` reads the whole history on a connection of the cache's own `connect`, so that
        the re-read on age happens in the background."""
        if not self.enabled:
            return _History.of(load_all(), self._clock()).pick(consultant_ids, client_ids)
        return self._history_of(tenant, load_all, load_keys, reread).pick(consultant_ids, client_ids)

    def _history_of(self, tenant: str, load_all: Callable[[], list[OutcomeRow]],
                    load_keys: LoadHistoryKeys | None, reread: Callable[[Any], list[OutcomeRow]] | None
                    ) -> _History:
        """The tenant's history as of now: the held one when nothing was announced since and it is younger than
        the bound; else patched with the rows notifications named (one small read), or read whole when there is
        none yet. Older than the bound (in case a notification was lost), it is read whole again by one thread —
        the background thread when the cache can connect — while requests keep serving the held one, so they
        never queue behind the whole read."""
        with self._lock:
            held = self._history.get(tenant)
            loading = self._loading.setdefault(tenant, threading.Lock())
            if held is not None:
                self._history.move_to_end(tenant)
                if not self._pending.get(tenant):
                    if self._clock() - held.read_at <= self.max_staleness_s:
                        return held
                    if reread is not None and self._connect is not None:
                        self._reread_later(tenant, loading, reread)
                        return held
                    if loading.locked():  # another thread is reading it again
                        return held
        return self._read(tenant, loading, load_all, load_keys)

    def _reread_later(self, tenant: str, loading: threading.Lock, reread: Callable[[Any], list[OutcomeRow]]
                      ) -> None:
        """The whole history read again on the background thread (called holding `_lock`; once at a time)."""
        assert self._connect is not None
        if tenant in self._rereading:
            return
        self._rereading.add(tenant)
        connect = self._connect

        def run() -> None:
            try:
                with connect(tenant) as conn:
                    self._read(tenant, loading, lambda: reread(conn), None)
            except Exception:  # the next request past the bound asks again; never kills serving
                log.exception("ranking cache: reading the history of tenant %s again failed", tenant)
            finally:
                with self._lock:
                    self._rereading.discard(tenant)

        if self._background is None:
            self._background = ThreadPoolExecutor(1, thread_name_prefix="ranking-cache")
        self._background.submit(run)

    def _read(self, tenant: str, loading: threading.Lock, load_all: Callable[[], list[OutcomeRow]],
              load_keys: LoadHistoryKeys | None) -> _History:
        """One thread per tenant at a time: patch the held history or read it whole, and keep what it read."""
        with loading:
            with self._lock:  # what the thread before us did
                held = self._history.get(tenant)
                pending = self._pending.get(tenant, HistoryKeys())
                epoch = self._epoch
                fresh = held is not None and self._clock() - held.read_at <= self.max_staleness_s
                if held is not None and fresh and not pending:
                    return held
                patch = held is not None and fresh and load_keys is not None and len(pending) <= MAX_PENDING_KEYS
                # Notifications from here on are kept for the next read: this one may or may not see their rows.
                self._pending[tenant] = HistoryKeys()
            started = self._clock()
            try:
                history = held.patched(pending, load_keys(pending)) if patch else _History.of(load_all(), started)
            except BaseException:
                with self._lock:  # the announced keys were not applied: the next read starts over
                    if self._epoch == epoch:
                        self._history.pop(tenant, None)
                        self._pending.pop(tenant, None)
                raise
            with self._lock:
                if self.enabled and self._epoch == epoch:
                    self._history[tenant] = history
                    self._history.move_to_end(tenant)
                    while len(self._history) > self.max_histories:
                        evicted, _ = self._history.popitem(last=False)
                        self._pending.pop(evicted, None)
                        self._loading.pop(evicted, None)
                elif self._epoch == epoch:
                    self._pending.pop(tenant, None)
            return history

    def wait_idle(self, timeout: float | None = None) -> None:
        """Until the background re-reads asked for so far are done (tests)."""
        with self._lock:
            background = self._background
        if background is not None:
            background.submit(lambda: None).result(timeout=timeout)

    def close(self) -> None:
        with self._lock:
            background, self._background = self._background, None
            self._rereading.clear()
        if background is not None:
            background.shutdown(wait=False, cancel_futures=True)

    def taxonomy(self, load: Callable[[], Any]) -> Any:
        """The skill graph: the one held while no taxonomy change was announced since it was read, else
        `load()`."""
        if not self.enabled:
            return load()
        with self._lock:
            generation = (self._epoch, self._taxonomy_changes)
            if self._taxonomy is not None and self._taxonomy[0] == generation:
                return self._taxonomy[1]
        graph = load()
        with self._lock:
            if self.enabled and generation == (self._epoch, self._taxonomy_changes):
                self._taxonomy = (generation, graph)
        return graph

    # --- invalidation --------------------------------------------------------------------------------------------
    def invalidate(self, tenant: str, table: str, entity_id: str | None) -> None:
        """A change to `table` of this tenant committed; `entity_id` names the consultant or requirement it
        concerns (None: all of the table's entities), or the taxonomy changed (`table` "skill", any tenant)."""
        with self._lock:
            if table == TAXONOMY_TABLE:
                self._taxonomy_changes += 1
                self._taxonomy = None
                return
            self._generation[tenant] = self._generation.get(tenant, 0) + 1
            entity = ENTITY_OF_TABLE.get(table)
            if entity is not None:
                self._changed_at[(tenant, entity)] = self._clock()
                try:
                    named = None if entity_id is None else _as_uuid(entity_id)
                except ValueError:  # not an id: forget all of the entity's records rather than none
                    named = None
                if named is None:
                    for key in [k for k in self._records if k[0] == tenant and k[1] == entity]:
                        del self._records[key]
                else:
                    self._records.pop((tenant, entity, named), None)
            if table in HISTORY_TABLES:
                pending = self._pending.get(tenant)
                if entity_id is None:
                    self._history.pop(tenant, None)
                    self._pending.pop(tenant, None)
                elif pending is not None or tenant in self._history:  # a history held, or being read
                    self._pending[tenant] = (pending or HistoryKeys()).add(table, str(entity_id))

    def clear(self) -> None:
        """Forget everything (the listener (re)connected: notifications may have been missed meanwhile)."""
        with self._lock:
            self._epoch += 1
            self._records.clear()
            self._history.clear()
            self._pending.clear()
            self._taxonomy = None
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
