"""Chaos: stop the database under API load and bring it back; print what clients saw and what was written.

Starts its own embedded Postgres in a temporary folder and the API (uvicorn, in this process, on a free loopback
port), then --workers clients loop: list consultants, create one with a fresh Idempotency-Key, and retry that POST
with the same key (every 100 ms) until it gets 201 — as a well-behaved client would. After --before seconds the
database is stopped (`pg_ctl stop -m fast`), after --outage more seconds it is started again, and the load runs
--after seconds more. Then every acknowledged key must be exactly one row.

    python benchmarks/chaos.py [--workers 4] [--before 3] [--outage 5] [--after 4]
"""

from __future__ import annotations

import argparse
import collections
import socket
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Log:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple[float, float, int, str]] = []  # (start, seconds, status or 0 = no response, kind)
        self.acked: set[str] = set()

    def add(self, start: float, seconds: float, status: int, kind: str) -> None:
        with self.lock:
            self.rows.append((start, seconds, status, kind))


def worker(base: str, headers: dict[str, str], log: Log, stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        while not stop.is_set():
            t = time.perf_counter()
            try:
                status = client.get("/v1/consultants", params={"limit": 20}).status_code
            except httpx.HTTPError:
                status = 0
            log.add(t, time.perf_counter() - t, status, "list")
            key = uuid.uuid4().hex
            while True:  # retry the same write with the same key until it is acknowledged, even after `stop`
                t = time.perf_counter()
                try:
                    status = client.post("/v1/consultants", json={"fullName": f"chaos {key}"},
                                         headers={"Idempotency-Key": key}).status_code
                except httpx.HTTPError:
                    status = 0
                log.add(t, time.perf_counter() - t, status, "create")
                if status == 201:
                    with log.lock:
                        log.acked.add(key)
                    break
                time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--before", type=float, default=3.0)
    parser.add_argument("--outage", type=float, default=5.0)
    parser.add_argument("--after", type=float, default=4.0)
    args = parser.parse_args()

    import uvicorn

    from serving.auth.tokens import issue_token
    from serving.main import create_app
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import restart_embedded, stop_embedded, throwaway_data_dir
    from warehouse.repositories.tenants import create_tenant
    from warehouse.settings import get_settings

    with throwaway_data_dir("bcrm-chaos-"):
        get_settings.cache_clear()
        settings = get_settings()
        engine, _ = prepare_database(settings)
        with engine.begin() as conn:
            tenant = create_tenant(conn, slug="chaos")
        headers = {"Authorization": f"Bearer {issue_token(settings, tenant_id=tenant, role='Owner')}"}
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, load_model=False), host="127.0.0.1", port=port,
                                               log_level="critical", access_log=False))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"

        log, stop = Log(), threading.Event()
        threads = [threading.Thread(target=worker, args=(base, headers, log, stop)) for _ in range(args.workers)]
        for t in threads:
            t.start()
        time.sleep(args.before)
        t_stop = time.perf_counter()
        stop_embedded(settings.pg_data_dir)
        t_stopped = time.perf_counter()
        ready_during = httpx.get(f"{base}/readyz").status_code
        time.sleep(args.outage)
        t_restart = time.perf_counter()
        restart_embedded(settings.pg_data_dir)
        t_back = time.perf_counter()
        time.sleep(args.after)
        stop.set()
        for t in threads:
            t.join()
        ready_after = httpx.get(f"{base}/readyz").status_code
        server.should_exit = True

        with engine.connect() as conn:
            names = conn.execute(sa.text("select full_name from crm.consultant where tenant_id = :t"),
                                 {"t": tenant}).scalars().all()
        written = collections.Counter(n.removeprefix("chaos ") for n in names)
        lost = len(log.acked - set(written))
        doubled = sum(c - 1 for c in written.values() if c > 1)
        unacked = len(set(written) - log.acked)

        rows = log.rows
        during = [r for r in rows if t_stopped <= r[0] < t_back]
        errors = [r for r in during if r[2] != 200 and r[2] != 201]
        by_code = collections.Counter(r[2] for r in rows if r[2] not in (200, 201))
        first_ok = min((r[0] + r[1] for r in rows if r[0] >= t_back and r[2] in (200, 201)), default=None)
        print(f"load: {args.workers} clients (list + create with Idempotency-Key, retried until 201); "
              f"{len(rows)} requests in total")
        print(f"database stopped in {t_stopped - t_stop:.2f} s, down {t_restart - t_stopped:.1f} s, "
              f"restarted in {t_back - t_restart:.2f} s")
        print(f"requests during the outage: {len(during)}, of which errors: {len(errors)} "
              f"(by code: {dict(collections.Counter(r[2] for r in errors))})")
        if errors:
            secs = sorted(r[1] for r in errors)
            print(f"  time to the error answer: p50 {statistics.median(secs) * 1000:.1f} ms, "
                  f"max {secs[-1] * 1000:.1f} ms")
        print(f"errors by code over the whole run: {dict(by_code) or 'none'}")
        print(f"/readyz during the outage: {ready_during}; after: {ready_after}")
        recover = f"{first_ok - t_back:.3f} s" if first_ok is not None else "never"
        print(f"time to recover (database back -> first successful request): {recover}")
        print(f"writes acknowledged: {len(log.acked)}; rows lost: {lost}; rows doubled: {doubled}; "
              f"rows written but never acknowledged: {unacked}")
        engine.dispose()


if __name__ == "__main__":
    main()
