"""Load the model that serves a tenant from its exported files (no MLflow import on the request path).

Each tenant's ranker is trained on that tenant's outcomes only and exported by `ml.registry` to
`<data_dir>/models/tenants/<tenant_id>/champion/` whenever its alias moves. A tenant without a champion is served
the **prior** (`<data_dir>/models/prior/`): a model fitted on no tenant's data. Without either, callers fall back to
the seed formula. `TenantModels` caches the bundles per tenant for the API and notices new exports.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path

from ml.ranking.bundle import MANIFEST_FILE, RankerBundle
from warehouse.settings import Settings

log = logging.getLogger(__name__)

ChampionModel = RankerBundle


def champion_dir(settings: Settings, tenant_id: uuid.UUID | str) -> Path:
    return settings.data_dir / "models" / "tenants" / str(uuid.UUID(str(tenant_id))) / "champion"


def prior_dir(settings: Settings) -> Path:
    return settings.data_dir / "models" / "prior"


def _load(folder: Path) -> RankerBundle | None:
    if not (folder / MANIFEST_FILE).exists():
        return None
    try:
        return RankerBundle.load(folder)
    except Exception as exc:  # a corrupt export must not take the API down: fall back, loudly
        log.error("model export at %s is unreadable (%s); falling back", folder, exc)
        return None


def load_champion(settings: Settings, tenant_id: uuid.UUID | str) -> ChampionModel | None:
    """The tenant's exported champion, or None when none was ever promoted for it."""
    return _load(champion_dir(settings, tenant_id))


def load_prior(settings: Settings) -> ChampionModel | None:
    return _load(prior_dir(settings))


def load_serving_model(settings: Settings, tenant_id: uuid.UUID | str | None) -> ChampionModel | None:
    """The tenant's champion, else the prior, else None (the seed formula)."""
    model = load_champion(settings, tenant_id) if tenant_id is not None else None
    return model if model is not None else load_prior(settings)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class TenantModels:
    """Per-tenant serving models, reloaded when an export changes (checked at most every `recheck_s`)."""

    def __init__(self, settings: Settings, recheck_s: float = 30.0) -> None:
        self.settings = settings
        self.recheck_s = recheck_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, tuple[float, float], ChampionModel | None]] = {}

    def _stamp(self, tenant: str) -> tuple[float, float]:
        def mtime(folder: Path) -> float:
            manifest = folder / MANIFEST_FILE
            return manifest.stat().st_mtime if manifest.exists() else 0.0

        return mtime(champion_dir(self.settings, tenant)), mtime(prior_dir(self.settings))

    def preload(self) -> int:
        """Load every exported champion (and the prior) now, so no request pays for it; the number loaded."""
        root = self.settings.data_dir / "models" / "tenants"
        tenants = [p.name for p in root.iterdir() if (p / "champion" / MANIFEST_FILE).exists()] if root.is_dir() else []
        loaded = sum(self.get(t) is not None for t in tenants if _is_uuid(t))
        return loaded + (load_prior(self.settings) is not None)

    def get(self, tenant_id: uuid.UUID | str) -> ChampionModel | None:
        tenant = str(uuid.UUID(str(tenant_id)))
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(tenant)
            if hit is not None and hit[0] > now:
                return hit[2]
        stamp = self._stamp(tenant)
        model = hit[2] if hit is not None and hit[1] == stamp else load_serving_model(self.settings, tenant)
        with self._lock:
            self._cache[tenant] = (now + self.recheck_s, stamp, model)
        return model

    def or_seed_formula(self, tenant_id: uuid.UUID | str) -> ChampionModel | None:
        """`get`, but an export that fails to load is logged and None returned: the seed formula ranks, loudly. A
        bad export must not keep a tenant's rankings (or a worker's warm start) down."""
        try:
            return self.get(tenant_id)
        except Exception:
            log.exception("serving model for tenant %s failed to load", tenant_id)
            return None
