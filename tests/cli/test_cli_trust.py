"""`benchcrm bi-credentials` and `benchcrm db backup/restore` on the command line, against the session's server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import psycopg


def _run(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BENCHCRM_DATA_DIR": str(settings.data_dir), "PYTHONPATH": os.getcwd()}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=300, env=env)


def test_bi_credentials_prints_a_url_that_logs_in_read_only(settings, admin_engine, make_tenant):
    slug = f"cli-bi-{make_tenant().hex[:6]}"
    make_tenant(slug)
    result = _run(settings, "bi-credentials", "--tenant", slug)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith(f"postgresql://bi_{slug.replace('-', '_')}:")
    # the printed URL is for BI tools over TCP; check the credentials over the session's own connection path
    password = url.split(":", 2)[2].split("@", 1)[0]
    role = f"bi_{slug.replace('-', '_')}"
    dsn = admin_engine.url.set(drivername="postgresql", username=role, password=password)
    with psycopg.connect(dsn.render_as_string(hide_password=False)) as conn:
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"


def test_bi_credentials_for_an_unknown_tenant_is_one_line(settings, admin_engine):
    result = _run(settings, "bi-credentials", "--tenant", "no-such-tenant-x")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1 and "does not exist" in lines[0]


def test_db_backup_writes_a_0600_dump_and_restore_refuses_a_non_empty_database(settings, admin_engine, tmp_path):
    out = tmp_path / "x.dump"
    result = _run(settings, "db", "backup", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0 and stat.S_IMODE(out.stat().st_mode) == 0o600
    refused = _run(settings, "db", "restore", str(out))
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 1 and len(lines) == 1 and "already has BenchCRM schemas" in lines[0]
