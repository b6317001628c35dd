"""Rate limits shared by every API worker and replica: a token bucket per key in Postgres (docs/adr/0020).

Three budgets, each a steady rate and a burst: `api` per tenant (every authenticated request), `expensive` per
tenant (extraction and imports, charged on top of `api`), and `anonymous` per client address (requests without a
valid token). One call of `app.rate_limit_lease` refills and takes atomically, so the limit holds however many
processes serve (a worker may take a few tokens ahead, see `SharedRateLimiter`); a tenant's row in `ratelimit.tenant_policy` overrides the defaults from settings.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import math
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.loop_connections import LoopConnections
from warehouse.repositories.rate_limits import lease_tokens
from warehouse.settings import Settings

BudgetName = Literal["api", "expensive", "anonymous"]

log = logging.getLogger(__name__)

# A lease is sized to last LEASE_SECONDS at the key's demand in this worker (demand measured over
# DEMAND_WINDOW_SECONDS), at most MAX_LEASE tokens; what is unspent LEASE_TTL_SECONDS after the lease is dropped.
LEASE_SECONDS = 0.5
LEASE_TTL_SECONDS = 1.0
MAX_LEASE = 32
DEMAND_WINDOW_SECONDS = 1.0
MAX_POCKETS = 4096
IDLE_POCKET_SECONDS = 60.0

@dataclass(frozen=True)
class Budget:
    rate_per_second: float
    burst: float

    def describe(self) -> str:
        return f"{self.rate_per_second:g} requests per second, bursts of {self.burst:g}"


def budgets_from_settings(settings: Settings) -> dict[BudgetName, Budget]:
    return {
        "api": Budget(settings.rate_limit_rps, settings.rate_limit_burst),
        "expensive": Budget(settings.rate_limit_expensive_rps, settings.rate_limit_expensive_burst),
        "anonymous": Budget(settings.rate_limit_anonymous_rps, settings.rate_limit_anonymous_burst),
    }


def bucket_key(budget: BudgetName, subject: uuid.UUID | str) -> str:
    """The bucket a request draws from; the subject is a tenant id (api, expensive) or a client address."""
    return f"{budget}:{subject}"


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


class SharedRateLimiter:
    """Takes tokens on the event loop, through its own few autocommit connections per loop (`LoopConnections`):
    the take must not wait behind, or hold a row lock for, a request's transaction, and awaiting it costs the
    request no worker-thread hop (docs/adr/0037). A database that does not answer raises the `DBAPIError` every
    other query raises (503).

    Leases (docs/adr/0039): each loop keeps a pocket per bucket. Under steady demand it leases about
    `lease_seconds` worth of the key's recent requests in one call (at most `max_lease`), spends them from memory,
    and leases the next batch in the background before the pocket runs dry, so most requests skip the round trip.
    The bucket lends more than one token only while it stays at least half full (`ratelimit.lendable`), so below
    that every request takes its own token as before. Unspent tokens expire after `lease_ttl_seconds` and are lost
    to the tenant: the limit is never looser than the shared bucket, at most a few tokens stricter."""

    def __init__(self, engine: Engine, budgets: dict[BudgetName, Budget], pool_size: int = 4, *,
                 lease_seconds: float = LEASE_SECONDS, lease_ttl_seconds: float = LEASE_TTL_SECONDS,
                 max_lease: int = MAX_LEASE) -> None:
        self.budgets = budgets
        self._connections = LoopConnections(engine, pool_size)
        self._pockets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pockets] = weakref.WeakKeyDictionary()
        self.lease_seconds, self.lease_ttl_seconds, self.max_lease = lease_seconds, lease_ttl_seconds, max_lease
        # requests: takes asked for; awaited: round trips a request waited for; ahead: leases taken in the
        # background; lost: leased tokens that expired unspent. Read by tests and benchmarks/rate_limit_cost.py.
        self.counts: collections.Counter[str] = collections.Counter()

    def _loop_pockets(self) -> _Pockets:
        loop = asyncio.get_running_loop()  # only this loop's coroutines touch its pockets: no lock needed
        pockets = self._pockets.get(loop)
        if pockets is None:
            pockets = self._pockets[loop] = _Pockets()
        return pockets

    async def take(self, budget: BudgetName, subject: uuid.UUID | str, *,
                   tenant_id: uuid.UUID | None = None) -> float | None:
        """None if the request may proceed, else the seconds until the bucket holds a token again."""
        key = bucket_key(budget, subject)
        now = time.monotonic()
        pocket = self._loop_pockets().pocket(key, now)
        pocket.note_request(now)
        self.counts["requests"] += 1
        if self._spend(pocket, now):
            if pocket.lending and pocket.refill is None and pocket.tokens * 4 <= self._want(pocket):
                pocket.refill = asyncio.create_task(self._lease_ahead(pocket, key, budget, tenant_id))
            return None
        self.counts["awaited"] += 1
        granted, wait = await self._lease(key, budget, tenant_id, self._want(pocket))
        if granted == 0:
            return wait
        self._keep(pocket, granted, 1, time.monotonic())
        return None

    def _want(self, pocket: _Pocket) -> int:
        return max(1, min(self.max_lease, math.ceil(pocket.demand * self.lease_seconds)))

    def _expire(self, pocket: _Pocket, now: float) -> None:
        if pocket.tokens and now >= pocket.expires_at:
            self.counts["lost"] += pocket.tokens
            pocket.tokens = 0

    def _spend(self, pocket: _Pocket, now: float) -> bool:
        self._expire(pocket, now)
        if pocket.tokens:
            pocket.tokens -= 1
            return True
        return False

    def _keep(self, pocket: _Pocket, granted: int, spent: int, now: float) -> None:
        """Pocket a lease of `granted` tokens of which the caller spent `spent` at once."""
        pocket.lending = granted > 1  # the bucket lends more than one only while it is over half full
        if granted > spent:
            self._expire(pocket, now)
            pocket.tokens += granted - spent
            pocket.expires_at = now + self.lease_ttl_seconds

    async def _lease_ahead(self, pocket: _Pocket, key: str, budget: BudgetName,
                           tenant_id: uuid.UUID | None) -> None:
        try:
            granted, _ = await self._lease(key, budget, tenant_id, self._want(pocket))
            self.counts["ahead"] += 1
            self._keep(pocket, granted, 0, time.monotonic())
        except sa.exc.DBAPIError as exc:  # the next request without a token leases (and reports) it itself
            log.warning("rate limit lease ahead failed: %s", exc.orig)
            pocket.lending = False
        finally:
            pocket.refill = None

    async def _lease(self, key: str, budget: BudgetName, tenant_id: uuid.UUID | None, want: int
                     ) -> tuple[int, float]:
        spec = self.budgets[budget]
        params = {"key": key, "tenant_id": tenant_id, "budget": budget, "rate": spec.rate_per_second,
                  "burst": spec.burst, "want": want}
        return await self._connections.run(lambda conn: lease_tokens(conn, **params),
                                           "select app.rate_limit_lease(...)", params)

    def dispose(self) -> None:
        for pockets in list(self._pockets.values()):
            for pocket in pockets.by_key.values():
                if pocket.refill is not None:
                    pocket.refill.cancel()
        self._pockets = weakref.WeakKeyDictionary()
        self._connections.dispose()


@dataclass
class _Pocket:
    """A loop's leased tokens of one bucket, and the key's recent demand in requests per second (decaying over
    DEMAND_WINDOW_SECONDS)."""

    tokens: int = 0
    expires_at: float = 0.0
    demand: float = 0.0
    seen_at: float = 0.0
    lending: bool = False
    refill: asyncio.Task[None] | None = None

    def note_request(self, now: float) -> None:
        self.demand = self.demand * math.exp(-(now - self.seen_at) / DEMAND_WINDOW_SECONDS) + 1 / DEMAND_WINDOW_SECONDS
        self.seen_at = now


@dataclass
class _Pockets:
    by_key: dict[str, _Pocket] = field(default_factory=dict)

    def pocket(self, key: str, now: float) -> _Pocket:
        pocket = self.by_key.get(key)
        if pocket is None:
            if len(self.by_key) >= MAX_POCKETS:
                self._prune(now)
            pocket = self.by_key[key] = _Pocket(seen_at=now)
        return pocket

    def _prune(self, now: float) -> None:
        """Per-address keys come and go. Forget the pockets that hold nothing but a demand estimate (it is rebuilt
        within a second) and the idle ones; if that leaves more than half the bound (a flood of new keys), every
        pocket without a lease in flight, its tokens lost to its tenant. Either way the next prune is at least
        MAX_POCKETS / 2 new keys away, so a flood costs O(1) per key."""
        idle = now - IDLE_POCKET_SECONDS
        kept = {k: p for k, p in self.by_key.items() if p.refill is not None or (p.tokens and p.seen_at > idle)}
        if len(kept) >= MAX_POCKETS // 2:
            kept = {k: p for k, p in kept.items() if p.refill is not None}
        self.by_key = kept
