"""`benchcrm demo` serving: a SIGTERM or SIGHUP to the demo stops the servers it started (each runs in its own
session, so the signal alone reaches none of them). Before, a `kill` of the demo left them running on their ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from pathlib import Path
from rich.console import Console
from cli.demo import _spawn, supervise
log = Path(sys.argv[1])
procs = {name: _spawn(name, [sys.executable, "-c", "import time; time.sleep(600)"], log, {})
         for name in ("api", "dagster", "mlflow")}
print(" ".join(str(p.pid) for p in procs.values()), flush=True)
supervise(procs, Console(), log)
print("stopped", flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_demo_stops_every_server_it_started(tmp_path, sig):
    demo = subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        servers = [int(pid) for pid in demo.stdout.readline().split()]
        assert len(servers) == 3 and all(_alive(pid) for pid in servers)
        time.sleep(1.5)  # the supervisor is in its loop, its handlers installed
        demo.send_signal(sig)
        out, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert "stopped" in out and demo.returncode == 0
    assert not any(_alive(pid) for pid in servers)
