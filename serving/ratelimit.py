"""Rate limits shared by every API worker and replica: a token bucket per key in Postgres (docs/adr/0020).

Three budgets, each a steady rate and a burst: `api` per tenant (every authenticated request), `expensive` per
tenant (extraction and imports, charged on top of `api`), and `anonymous` per client address (requests without a
valid token). One call of `app.rate_limit_take` refills and takes atomically, so the limit holds however many
processes serve; a tenant's row in `ratelimit.tenant_policy` overrides the defaults from settings.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from warehouse.repositories.rate_limits import take_token
from warehouse.settings import Settings

BudgetName = Literal["api", "expensive", "anonymous"]



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
    """Takes tokens through its own small autocommit pool: the take must not wait behind, or hold a row lock for,
    a request's transaction, and skipping the pre-ping keeps it to one round trip (a stale connection is retried
    once on a fresh one)."""

    def __init__(self, engine: Engine, budgets: dict[BudgetName, Budget], pool_size: int = 4) -> None:
        self.budgets = budgets
        self._engine = sa.create_engine(
            engine.url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
            isolation_level="AUTOCOMMIT", connect_args={"options": "-c search_path=crm,public"})

    def take(self, budget: BudgetName, subject: uuid.UUID | str, *, tenant_id: uuid.UUID | None = None) -> float | None:
        """None if the request may proceed, else the seconds until the bucket holds a token again."""
        spec = self.budgets[budget]
        params = {"key": bucket_key(budget, subject), "tenant_id": tenant_id, "budget": budget,
                  "rate": spec.rate_per_second, "burst": spec.burst}
        for attempt in (1, 2):
            try:
                with self._engine.connect() as conn:
                    wait = take_token(conn, **params)
                break
            except sa.exc.DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        return wait if wait > 0 else None

    def dispose(self) -> None:
        self._engine.dispose()
