"""Does the tenant a token names exist, and is it enabled? Asked on every request, answered from a short cache.

A signed token is not enough: the tenant in it must be a row of `crm.tenant` (created explicitly with
`benchcrm tenant create`) that is not disabled (`benchcrm tenant disable`), else the request is 401 like any other
bad token; a tenant disabled while its tokens are cached stops working within `ttl` seconds. The lookup runs as the application
role with the token's tenant set, so RLS shows at most that one row. Known tenants are remembered for `ttl`
seconds, unknown ones for at most `negative_ttl` (a tenant created a moment ago is usable within seconds); the
cache is bounded, so tokens naming many random tenants cannot grow it without limit.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict

from warehouse.db import set_tenant
from warehouse.placement import TenantRouter
from warehouse.repositories.tenants import tenant_active


class TenantDirectory:
    def __init__(self, ttl: float = 30.0, *, negative_ttl: float = 5.0, max_entries: int = 10_000) -> None:
        self.ttl, self.negative_ttl, self.max_entries = ttl, min(negative_ttl, ttl), max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[uuid.UUID, tuple[bool, float]] = OrderedDict()

    def cached(self, tenant_id: uuid.UUID) -> bool | None:
        """The remembered answer, or None when `exists` must ask the database."""
        with self._lock:
            hit = self._entries.get(tenant_id)
            return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def exists(self, tenant_id: uuid.UUID, router: TenantRouter) -> bool:
        """Asked of the tenant's own server (a tenant mid-move is asked of its source)."""
        hit = self.cached(tenant_id)
        if hit is not None:
            return hit
        now = time.monotonic()
        with router.app_engine(router.placement(tenant_id).server).begin() as conn:
            set_tenant(conn, tenant_id)
            found = tenant_active(conn, tenant_id)
        with self._lock:
            self._entries[tenant_id] = (found, now + (self.ttl if found else self.negative_ttl))
            self._entries.move_to_end(tenant_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def forget(self, tenant_id: uuid.UUID) -> None:
        with self._lock:
            self._entries.pop(tenant_id, None)
