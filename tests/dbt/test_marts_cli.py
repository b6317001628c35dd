"""`benchcrm marts`: dbt build through the CLI, then the export; precise failure for an unknown tenant."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app


def test_marts_command_builds_a_selection_and_exports_one_tenant(built_marts, admin_engine, settings, make_tenant):
    make_tenant()  # new since the full build: a partial build must not fail tests on the models it left alone
    with admin_engine.connect() as conn:
        slug = conn.execute(sa.text("select slug from crm.tenant where id = :t"),
                            {"t": built_marts.empty_tenant}).scalar()
    result = CliRunner().invoke(app, ["marts", "--select", "dim_tenants", "--export", "--tenant", slug])
    assert result.exit_code == 0, result.output
    assert "dbt build: PASS=" in result.output and "ERROR=0" in result.output
    assert "exported 16 tables" in result.output
    assert (settings.data_dir / "exports" / slug / "marts.duckdb").is_file()


def test_marts_command_rejects_an_unknown_tenant_before_building(built_marts):
    result = CliRunner().invoke(app, ["marts", "--export", "--tenant", "nobody-here"])
    assert result.exit_code == 1
    assert "tenant 'nobody-here' does not exist" in result.output
    assert "dbt build" not in result.output
