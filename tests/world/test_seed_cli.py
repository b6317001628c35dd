from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("args", "message"), [
    (["seed", "--consultants", "5"], "Invalid value for '--consultants'"),
    (["seed", "--seed", "-1"], "Invalid value for '--seed'"),
    (["seed", "--as-of", "yesterday"], "Invalid value for '--as-of'"),
    (["seed", "--tenant", "Not A Slug"], "invalid tenant slug"),
])
def test_seed_bad_flags_fail_with_one_line(args: list[str], message: str) -> None:
    env = {**os.environ, "BENCHCRM_DATA_DIR": "/nonexistent/never-used"}
    proc = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_seed_command_loads_a_world_and_reports_the_oracle(admin_engine) -> None:
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(app, ["seed", "--tenant", slug, "--consultants", "150", "--requirements", "40",
                                      "--seed", "4"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "oracle AUC on realized outcomes" in result.output and "crm.consultant" in result.output
    with admin_engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from crm.consultant c join crm.tenant t on t.id = c.tenant_id "
                                 "where t.slug = :s"), {"s": slug}).scalar()
    assert n == 150
