"""What the shared rate limit costs per request (serving/ratelimit.py, docs/adr/0020).

Takes tokens from `app.rate_limit_take` through the limiter's own pool, next to a bare `select 1` on the same kind
of pool (the floor of any round trip), single-threaded and with 8 threads on one tenant's row (the contended case:
every request of one tenant updates the same row). Uses the embedded Postgres of a separate data folder.

    python benchmarks/rate_limit_cost.py [--calls 2000] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(name: str, call: Callable[[], object], calls: int, threads: int) -> float:
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = calls // threads

    def worker() -> None:
        mine = []
        for _ in range(per_thread):
            started = time.perf_counter()
            call()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    rate = len(latencies) / elapsed
    print(f"{name:<44} threads={threads}  p50 {statistics.median(latencies):6.2f} ms  "
          f"p95 {percentile(latencies, 95):6.2f} ms  p99 {percentile(latencies, 99):6.2f} ms  {rate:8.0f}/s")
    return statistics.median(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "benchcrm-api-latency"))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir

    import sqlalchemy as sa

    from serving.ratelimit import SharedRateLimiter, budgets_from_settings
    from warehouse.bootstrap import prepare_database
    from warehouse.db import app_engine
    from warehouse.settings import get_settings

    settings = get_settings()
    prepare_database(settings)
    engine = app_engine(settings)
    huge = {name: type(b)(1e6, 1e9) for name, b in budgets_from_settings(settings).items()}  # never 429 here
    limiter = SharedRateLimiter(engine, huge, pool_size=args.threads)
    bare = sa.create_engine(engine.url, pool_size=args.threads, pool_pre_ping=False, isolation_level="AUTOCOMMIT")
    tenant = uuid.uuid4()

    def select_one() -> None:
        with bare.connect() as conn:
            conn.execute(sa.text("select 1")).scalar_one()

    def take() -> None:
        assert limiter.take("api", tenant, tenant_id=None) is None

    def take_spread() -> None:
        key = uuid.uuid4()
        assert limiter.take("anonymous", key) is None

    for fn in (select_one, take):  # connect the pools and warm the plan caches
        for _ in range(50):
            fn()
    print(f"{args.calls} calls per line; app role over the embedded server's Unix socket")
    floor = run("bare round trip (select 1)", select_one, args.calls, 1)
    one = run("rate_limit_take, one tenant's row", take, args.calls, 1)
    run("bare round trip (select 1)", select_one, args.calls, args.threads)
    run("rate_limit_take, one tenant's row (contended)", take, args.calls, args.threads)
    run("rate_limit_take, a new row per call", take_spread, args.calls, args.threads)
    print(f"the limiter adds {one:.2f} ms per request single-threaded ({one / floor:.1f}x a bare round trip)")
    limiter.dispose()
    bare.dispose()


if __name__ == "__main__":
    main()
