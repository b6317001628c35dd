"""What the shared rate limit costs per request (serving/ratelimit.py, docs/adr/0020, 0039).

Drives `SharedRateLimiter.take` from concurrent clients on one event loop, as an API worker does, next to a bare
`select 1` round trip on the same kind of connection (the floor of any round trip). Each line runs twice, before
and after in one run: `one token per take` (no leases: every request waits for `app.rate_limit_lease`, as before
docs/adr/0039) and `leases` (the default). It prints the take's latency and how many requests waited for the
database. Uses the embedded Postgres of a separate data folder.

    python benchmarks/rate_limit_cost.py [--requests 4000] [--clients 8] [--rate 400]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def drive(call: Callable[[], Awaitable[object]], requests: int, clients: int, rate: float | None
                ) -> tuple[list[float], float]:
    """`requests` calls from `clients` concurrent clients, open loop at `rate` per second (None: closed loop)."""
    latencies: list[float] = []
    started = time.perf_counter()
    per_client = requests // clients

    async def client(offset: int) -> None:
        for i in range(per_client):
            if rate:
                due = started + (i * clients + offset) / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            t0 = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(client(c) for c in range(clients)))
    return latencies, time.perf_counter() - started


def line(name: str, latencies: list[float], elapsed: float, extra: str = "") -> None:
    print(f"{name:<52} p50 {statistics.median(latencies):6.3f} ms  p95 {percentile(latencies, 95):6.3f} ms  "
          f"p99 {percentile(latencies, 99):6.3f} ms  {len(latencies) / elapsed:7.0f}/s{extra}")


async def measure(args: argparse.Namespace) -> None:
    import psycopg

    from serving.ratelimit import Budget, SharedRateLimiter
    from warehouse.db import app_engine
    from warehouse.settings import get_settings

    engine = app_engine(get_settings())
    huge = {"api": Budget(1e6, 1e9), "anonymous": Budget(1e6, 1e9)}  # never 429 here
    variants = {"one token per take": SharedRateLimiter(engine, huge, max_lease=1),
                "leases": SharedRateLimiter(engine, huge)}
    _, params = engine.dialect.create_connect_args(engine.url)
    bare = await psycopg.AsyncConnection.connect(autocommit=True, **params)

    async def select_one() -> None:
        await (await bare.execute("select 1", prepare=True)).fetchone()

    tenant = uuid.uuid4()
    for limiter in variants.values():  # connect the pools and warm the plan caches
        for _ in range(50):
            await limiter.take("api", tenant)
    print(f"{args.requests} requests a line from {args.clients} clients on one event loop; app role over the "
          "embedded server's Unix socket")
    floor, elapsed = await drive(select_one, args.requests, 1, None)
    line("bare round trip (select 1), one client", floor, elapsed)
    for rate, label in ((args.rate, f"{args.rate:g}/s"), (None, "closed loop")):
        for name, limiter in variants.items():
            tenant = uuid.uuid4()
            before = dict(limiter.counts)
            latencies, elapsed = await drive(lambda lim=limiter, t=tenant: lim.take("api", t, tenant_id=None),
                                             args.requests, args.clients, rate)
            awaited = limiter.counts["awaited"] - before.get("awaited", 0)
            line(f"take, one tenant, {label}, {name}", latencies, elapsed,
                 f"  waited for the database: {awaited / len(latencies):.1%} of requests")
    for limiter in variants.values():
        limiter.dispose()
    await bare.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "benchcrm-api-latency"))
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=400.0, help="offered requests per second of the paced lines")
    args = parser.parse_args()
    os.environ["BENCHCRM_DATA_DIR"] = args.data_dir

    from warehouse.bootstrap import prepare_database
    from warehouse.settings import get_settings

    prepare_database(get_settings())
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
