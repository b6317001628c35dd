"""Bad input on the command line: a one-line cause on stderr and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_wrong_flag_prints_one_line_and_exits_2():
    result = _run("--no-such-flag")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "No such option: --no-such-flag" in lines[0]


def test_unknown_command_prints_one_line_and_exits_2():
    result = _run("frobnicate")
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "benchcrm: No such command 'frobnicate'. (see `benchcrm --help`)"]


def test_unreachable_database_url_prints_one_line_cause_and_exits_1():
    result = _run("migrate", env={"BENCHCRM_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nowhere"})
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("benchcrm: database unreachable:")
    assert "Traceback" not in result.stderr


def test_db_url_reports_the_external_url_unchanged():
    url = "postgresql://someone@db.example.invalid:5432/x"
    result = _run("db", "url", env={"BENCHCRM_DATABASE_URL": url})
    assert (result.returncode, result.stdout.strip()) == (0, url)
