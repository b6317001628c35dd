"""The candidate search's text and skill sources answered from this process's memory (docs/adr/0032).

Postgres ranks an OR of words with `ts_rank` = Σ over the query's distinct lexemes of that lexeme's own ts_rank in
the row, divided by how many distinct lexemes the query has (tsrank.c, calc_rank_or). So each (tenant, entity,
lexeme)'s matchable matches and their single-lexeme ranks — its *postings* — are enough to rank any OR of lexemes
the way app.fts_top_<table> does: best sum first, ties by id. Postings are fetched from Postgres on first use (one
round trip for all the missing lexemes of a request) and kept `max_staleness_s`: a popular word ("java", "aws")
that every requirement asks for is read once per period instead of being re-ranked over tens of thousands of rows
per request. The skill source is the same with a skill's owners as its postings, each worth 1: the sum is the
number of the anchor's skills a row shares, as the SQL source counts them (space `<entity>/skills`).

Freshness: the text source proposes at most `max_staleness_s` late (a consultant who just gained a word may be
proposed by it up to that much later; one who stopped being matchable is still removed by the candidate query's
own filters, and every proposed row is ranked on its current values). With `changes` (the ranking cache, which the
change listener tells of every committed change), postings of a tenant whose rows did not change since they were
read are kept past that period, so an idle tenant's popular words are not re-read every period. Keyed by the
transaction's RLS tenant, which also scopes every fetch, so tenants never share postings.

Memory: at most `max_postings` (row, lexeme) pairs across all tenants, least recently used lexemes first; each
tenant's row ids are interned once (16 bytes + a dict entry per row seen) and dropped with its last lexeme.

Misses never wait in a request when the index can open its own connections (`connect`, the API's): `top` then
answers None for a query with words it does not hold yet, the caller asks the database for that one request, and
one background thread reads the missing postings for the next (a popular word at 100k is tens of thousands of rows;
reading them inside a recruiter's request cost seconds under load).

Pure apart from `fetch` / `connect`, which the caller binds to the database; the clock is injectable for tests.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

Fetch = Callable[[list[str]], dict[str, tuple[list[uuid.UUID], list[float]]]]
# (connection, missing terms) -> postings: what `fetch` does, on a connection the background thread opens
Query = Callable[[Any, list[str]], dict[str, tuple[list[uuid.UUID], list[float]]]]


class ChangeFeed(Protocol):
    def unchanged_since(self, tenant: str, entity: str, since: float) -> bool: ...


@dataclass
class _Rows:
    """One tenant-entity's interned row ids: position -> id and id -> position."""

    ids: list[uuid.UUID] = field(default_factory=list)
    position: dict[uuid.UUID, int] = field(default_factory=dict)
    # each id's 128 bits as (high, low) halves: uuid order (Postgres' too) in numpy, for ties among thousands
    high: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    low: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    lexemes: int = 0  # cached lexemes that point into it
    # position -> place in uuid order among the first len(by_id) rows: ties broken by one integer, not two halves
    by_id: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))

    def intern(self, ids: list[uuid.UUID]) -> np.ndarray:
        out = np.empty(len(ids), dtype=np.int64)
        new: list[int] = []
        for i, row_id in enumerate(ids):
            p = self.position.get(row_id)
            if p is None:
                p = self.position[row_id] = len(self.ids)
                self.ids.append(row_id)
                new.append(row_id.int)
            out[i] = p
        if new:
            self.high = np.concatenate([self.high, np.array([v >> 64 for v in new], dtype=np.uint64)])
            self.low = np.concatenate([self.low, np.array([v & (2**64 - 1) for v in new], dtype=np.uint64)])
        return out

    def id_order(self, n: int) -> np.ndarray:
        """Each of the first `n` or more positions' place in uuid order. Re-ranked only after new rows were interned
        (the postings' reads; a request finds it ready): a place among a prefix orders that prefix the same way."""
        known = self.by_id
        if len(known) < n:
            high, low = self.high, self.low  # replaced whole, one after the other: their common prefix is whole
            m = min(len(high), len(low))
            known = np.empty(m, dtype=np.uint64)
            known[np.lexsort((low[:m], high[:m]))] = np.arange(m, dtype=np.uint64)
            self.by_id = known
        return known


def _ranks(ranks: Sequence[float]) -> np.ndarray:
    """A word's ranks as the sort key needs them: non-negative single-precision floats (ts_rank's are; a skill is
    worth 1), negative zero made positive."""
    out = np.asarray(ranks, dtype=np.float32) + np.float32(0.0)
    if not np.all(out >= 0):  # also rejects NaN
        raise ValueError("text index: a posting's rank must be a non-negative number")
    return out


class TextIndex:
    def __init__(self, *, max_staleness_s: float = 30.0, max_postings: int = 5_000_000,
                 clock: Callable[[], float] = time.monotonic, changes: ChangeFeed | None = None,
                 connect: Callable[[str], AbstractContextManager[Any]] | None = None) -> None:
        if max_postings < 1:
            raise ValueError("the text index needs room for at least one posting")
        self.max_staleness_s = max_staleness_s
        self.max_postings = max_postings
        self._clock = clock
        self._changes = changes
        self._connect = connect  # tenant -> a tenant-scoped connection: misses are read in the background
        self._background = ThreadPoolExecutor(1, thread_name_prefix="text-index") if connect else None
        self._pending: dict[tuple[str, str], Future] = {}  # (tenant, space) being filled
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, str], _Rows] = {}
        # (tenant, entity, lexeme) -> (fetched at, row positions, ranks), least recently used first
        self._postings: OrderedDict[tuple[str, str, str], tuple[float, np.ndarray, np.ndarray]] = OrderedDict()
        self._size = 0
        self._lexemes: OrderedDict[str, list[str]] = OrderedDict()  # query words -> their lexemes (immutable)
        self.hits = 0
        self.misses = 0

    def lexemes_of(self, words: str, lookup: Callable[[str], list[str]]) -> list[str]:
        """The lexemes of a query's words, remembered (the text search configuration does not change under a
        running process): one round trip saved per request."""
        with self._lock:
            hit = self._lexemes.get(words)
            if hit is not None:
                self._lexemes.move_to_end(words)
                return hit
        found = lookup(words)
        with self._lock:
            self._lexemes[words] = found
            while len(self._lexemes) > 10_000:
                self._lexemes.popitem(last=False)
        return found

    def top(self, tenant: str, entity: str, lexemes: Sequence[str], k: int, fetch: Fetch,
            query: Query | None = None) -> list[uuid.UUID] | None:
        """Ids of the `k` best rows for an OR of `lexemes` by ts_rank (ties by id), as app.fts_top_<entity>.
        `entity`: the postings' space, `consultant` or `consultant/skills` (changes of the entity concern both).
        With `connect` and `query`: None when some postings are missing, which the background thread then reads
        (the caller asks the database this once); otherwise they are read here through `fetch`."""
        wanted = sorted(set(lexemes))
        if not wanted or k < 1:
            return []
        now = self._clock()
        held: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        with self._lock:
            for lexeme in wanted:
                key = (tenant, entity, lexeme)
                hit = self._postings.get(key)
                if hit is not None and (now - hit[0] <= self.max_staleness_s or (
                        self._changes is not None and self._changes.unchanged_since(tenant, entity.split("/")[0], hit[0]))):
                    self._postings.move_to_end(key)
                    held[lexeme] = (hit[1], hit[2])
            self.hits += len(held)
            self.misses += len(wanted) - len(held)
        missing = [lexeme for lexeme in wanted if lexeme not in held]
        if missing and self._background is not None and query is not None:
            self._fill_later(tenant, entity, missing, query)
            return None
        if missing:
            rows = self._keep(tenant, entity, missing, fetch(missing), now, held)
        else:
            with self._lock:
                rows = self._rows[(tenant, entity)]
        # only ever appended to (the arrays replaced whole): the positions held stay valid
        row_ids = rows.ids
        n = max(int(held[lexeme][0].max(initial=-1)) for lexeme in wanted) + 1  # rows this answer can name
        # Postgres adds the words' ranks in single precision, in lexeme order, then divides: the same here, so rows
        # whose sums tie there tie here too (ties go by id).
        total = np.zeros(n, dtype=np.float32)
        seen = np.zeros(n, dtype=bool)
        for lexeme in wanted:
            positions, ranks = held[lexeme]
            total[positions] += ranks  # a word's postings name each row once
            seen[positions] = True
        total /= np.float32(len(wanted))
        matched = np.flatnonzero(seen)
        # One sort key per row, best first: the rank's bits inverted, then the id's place. A non-negative float's
        # bits order as it does, and popular words tie thousands of rows on their rank (sorting those by the id's
        # two halves took most of this function's time).
        rank_bits = total[matched].view(np.uint32).astype(np.uint64)
        key = ((np.uint64(0xFFFFFFFF) - rank_bits) << np.uint64(32)) | rows.id_order(n)[matched]
        if len(key) > k:
            pick = np.argpartition(key, k - 1)[:k]
            matched, key = matched[pick], key[pick]
        best = matched[np.argsort(key)]
        return [row_ids[p] for p in best.tolist()]

    def _fill_later(self, tenant: str, entity: str, missing: list[str], query: Query) -> None:
        """Read these postings on the background thread, unless a read for this tenant and space is under way (the
        next miss after it asks again)."""
        assert self._background is not None and self._connect is not None
        connect = self._connect
        with self._lock:
            if (tenant, entity) in self._pending:
                return

            def fill() -> None:
                try:
                    now = self._clock()
                    with connect(tenant) as conn:
                        fetched = query(conn, missing)
                    self._keep(tenant, entity, missing, fetched, now, {})
                except Exception:  # a failed read is retried by the next request that misses; never kills serving
                    log.exception("text index: reading %s postings of tenant %s failed", entity, tenant)
                finally:
                    with self._lock:
                        self._pending.pop((tenant, entity), None)

            self._pending[(tenant, entity)] = self._background.submit(fill)

    def _keep(self, tenant: str, entity: str, lexemes: list[str], fetched: dict, now: float,
              held: dict[str, tuple[np.ndarray, np.ndarray]]) -> _Rows:
        """Store freshly read postings (also into `held`); returns the tenant-space's interned rows."""
        with self._lock:
            rows = self._rows.setdefault((tenant, entity), _Rows())
            for lexeme in lexemes:
                ids, ranks = fetched.get(lexeme, ([], []))
                held[lexeme] = (rows.intern(list(ids)), _ranks(ranks))
                self._store((tenant, entity, lexeme), now, *held[lexeme])
        rows.id_order(len(rows.ids))  # here, on the reading thread, rather than in the next request
        return rows

    def wait_idle(self, timeout: float | None = None) -> None:
        """Until the background reads asked for so far are done (tests, warm-ups)."""
        with self._lock:
            pending = list(self._pending.values())
        wait(pending, timeout=timeout)

    def close(self) -> None:
        if self._background is not None:
            self._background.shutdown(wait=False, cancel_futures=True)

    def _store(self, key: tuple[str, str, str], now: float, positions: np.ndarray, ranks: np.ndarray) -> None:
        old = self._postings.pop(key, None)
        if old is not None:
            self._size -= len(old[1])
        else:
            self._rows[key[:2]].lexemes += 1
        self._postings[key] = (now, positions, ranks)
        self._size += len(positions)
        while self._size > self.max_postings and len(self._postings) > 1:
            gone, (_, gone_positions, _) = self._postings.popitem(last=False)
            self._size -= len(gone_positions)
            rows = self._rows[gone[:2]]
            rows.lexemes -= 1
            if rows.lexemes == 0:
                del self._rows[gone[:2]]

    def size(self) -> dict[str, int]:
        with self._lock:
            return {"lexemes": len(self._postings), "postings": self._size,
                    "rows": sum(len(r.ids) for r in self._rows.values())}
