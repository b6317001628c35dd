"""Warm start and readiness: /readyz is 503 until the lifespan has loaded the models and caches, and
`benchcrm serve --workers 2` answers nothing before its workers are warm."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient


def test_readyz_is_503_until_the_warm_start_has_run(settings, app_engine):
    from serving.main import create_app

    app = create_app(settings, engine=app_engine, load_model=False)
    cold = TestClient(app)  # no `with`: the lifespan (warm start) has not run
    r = cold.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "starting"
    with TestClient(app) as warm:
        body = warm.get("/readyz").json()
    assert body["status"] == "ready" and body["warmup"]["skills"] > 1000
    assert body["warmup"]["embedding_model"] is False


def _children(pid: int) -> list[str]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(cmdline)
    return out


def test_serve_with_two_workers_answers_only_when_warm(settings, data_dir, make_tenant):
    from serving.auth.tokens import issue_token

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BENCHCRM_DATA_DIR": str(data_dir), "PYTHONPATH": os.getcwd()}
    env.pop("BENCHCRM_JWKS_URL", None)
    proc = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port),
                             "--workers", "2", "--no-dispatcher"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    seen: list[int] = []
    try:
        deadline = time.monotonic() + 240
        while not seen or seen[-1] != 200:
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:] if proc.stdout else ""
            assert time.monotonic() < deadline, "not ready in 240 s"
            try:
                seen.append(httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code)
            except httpx.TransportError:
                time.sleep(0.2)  # not listening or no worker accepting yet; waits, measures nothing
        assert seen == [200]  # the first answer any client gets is from a warm worker, never a 503 "starting"
        workers = [c for c in _children(proc.pid) if "multiprocessing" in c and "resource_tracker" not in c]
        assert len(workers) == 2, workers
        body = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
        assert body["warmup"]["embedding_model"] is True and body["warmup"]["skills"] > 1000
        dev = settings.model_copy(update={"jwks_url": None})
        headers = {"Authorization": f"Bearer {issue_token(dev, tenant_id=make_tenant(), role='ReadOnly')}"}
        codes = {httpx.get(f"http://127.0.0.1:{port}/v1/tags", headers=headers).status_code for _ in range(10)}
        assert codes == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_serve_starts_one_worker_per_core_up_to_four_unless_told(monkeypatch):
    from warehouse.settings import Settings

    monkeypatch.delenv("BENCHCRM_API_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert Settings().api_workers == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 32)
    assert Settings().api_workers == 4
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert Settings().api_workers == 1
    monkeypatch.setenv("BENCHCRM_API_WORKERS", "3")
    assert Settings().api_workers == 3
