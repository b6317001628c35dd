"""`benchcrm tenant create --server` and `benchcrm tenant move` on two real embedded servers (tests/two_servers.py):
the tenant lands where it is told, moves with every row, and bad input gets a one-line cause."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import sqlalchemy as sa

from warehouse.db import tenant_tx
from warehouse.placement import engine_for_tenant, resolve_slug
from warehouse.tenant_move import table_fingerprints


def _run(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BENCHCRM_DATA_DIR": str(settings.data_dir), "BENCHCRM_DATABASE_SERVERS": "eu=embedded",
           "BENCHCRM_TENANT_CACHE_SECONDS": "0"}
    env.pop("BENCHCRM_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=180, env=env)


def _one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_tenants_are_created_on_a_named_server_and_moved_from_the_command_line(two_servers) -> None:
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    created = _run(two_servers, "tenant", "create", slug, "--server", "eu")
    assert created.returncode == 0, created.stderr
    tenant_id = uuid.UUID(created.stdout.strip())
    assert resolve_slug(two_servers, slug) == (tenant_id, "eu")
    token = _run(two_servers, "token", "--tenant", slug, "--role", "Recruiter")  # found on its server
    assert token.returncode == 0 and token.stdout.count(".") == 2, token.stderr
    with tenant_tx(tenant_id, engine_for_tenant(two_servers, tenant_id)) as conn:
        conn.execute(sa.text("insert into crm.consultant (tenant_id, full_name) values (:t, 'Cli Person')"),
                     {"t": tenant_id})
    before = table_fingerprints(two_servers, "eu", tenant_id)

    moved = _run(two_servers, "tenant", "move", slug, "--to", "primary", "--no-rebuild-marts")

    assert moved.returncode == 0, moved.stderr
    assert f"{slug} ({tenant_id}) moved eu -> primary" in moved.stdout
    assert resolve_slug(two_servers, slug) == (tenant_id, "primary")
    assert table_fingerprints(two_servers, "primary", tenant_id) == before


def test_placement_bad_input_gets_a_one_line_cause(two_servers) -> None:
    assert "unknown database server 'mars'" in _one_line_error(
        _run(two_servers, "tenant", "create", f"cli-{uuid.uuid4().hex[:8]}", "--server", "mars"))
    assert "tenant 'nobody-anywhere' does not exist on any server" in _one_line_error(
        _run(two_servers, "tenant", "move", "nobody-anywhere", "--to", "eu"))
    assert "--to SERVER" in _one_line_error(_run(two_servers, "tenant", "move", "nobody-anywhere"), code=2)
