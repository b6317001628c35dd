"""One real Postgres for the whole session: an embedded pgserver in a temporary folder, or BENCHCRM_DATABASE_URL.

Every test that touches data creates its own tenant (`make_tenant`), so tests never see each other's rows and
nothing needs deleting at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The real dev pairs (../shared/data) are for benchmarks and the demo; tests that need labelled real pairs write
# their own small file, so a fresh clone and this machine run the same suite.
os.environ["BENCHCRM_SHARED_DATA"] = ""
# Rate-limit buckets live in the session's database, and every TestClient calls from the address "testclient": the
# suite's many 401 checks would share one anonymous bucket. tests/serving/test_rate_limits.py sets tight budgets and
# its own addresses and tenants; everywhere else the buckets are too large to matter.
for _budget in ("", "_EXPENSIVE", "_ANONYMOUS"):
    os.environ.setdefault(f"BENCHCRM_RATE_LIMIT{_budget}_BURST", "1000000")
# The apps the suite builds run inside the test process, which makes and drops garbage cycles all session long: it is
# not a server to keep out of full collections (serving/gc_tuning.py; tests/serving/test_gc_tuning.py tests that).
os.environ["BENCHCRM_API_GC_FREEZE"] = "false"


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    # Short path: Unix socket paths are limited to ~107 bytes.
    path = Path(tempfile.mkdtemp(prefix="bcrm-"))
    yield path
    if "BENCHCRM_DATABASE_URL" not in os.environ:
        from warehouse.embedded import stop_embedded

        stop_embedded(path / "pgdata")
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(data_dir: Path):
    from warehouse.settings import Settings, get_settings

    os.environ["BENCHCRM_DATA_DIR"] = str(data_dir)
    os.environ["BENCHCRM_CACHE_DIR"] = str(data_dir / "machine-cache")  # not the user's ~/.cache/benchcrm
    # Each app the tests start would rank the test database's busiest tenants before accepting; the warm start of
    # the caches has its own tests (tests/serving/test_warm_caches.py).
    os.environ.setdefault("BENCHCRM_WARM_CACHE_TENANTS", "0")
    get_settings.cache_clear()
    return Settings()


@pytest.fixture(scope="session")
def admin_engine(settings) -> sa.Engine:
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database

    engine, _ = prepare_database(settings)
    with engine.begin() as conn:
        sync_taxonomy(conn, load_taxonomy())
    return engine


@pytest.fixture(scope="session")
def app_engine(settings, admin_engine) -> sa.Engine:
    from warehouse.db import app_engine as make_app_engine

    return make_app_engine(settings)


@pytest.fixture
def make_tenant(admin_engine) -> Callable[..., uuid.UUID]:
    from warehouse.repositories.tenants import ensure_tenant

    def _make(slug: str | None = None) -> uuid.UUID:
        with admin_engine.begin() as conn:
            return ensure_tenant(conn, slug=slug or f"t-{uuid.uuid4().hex[:12]}")

    return _make


from tests.marts_fixture import built_marts  # noqa: E402,F401  (a session fixture: dbt tests and the KPI API)
from tests.seeded_ml import seeded_tenant, seeded_tenant_slug, skill_graph  # noqa: E402,F401  (ML and train assets)
from tests.two_servers import two_servers  # noqa: E402,F401  (tenant placement: two embedded servers)
