"""`benchcrm ingest` / `benchcrm quarantine` on the real database (fast path with the default toolkit)."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import app
from tests.ingest_support import vendor_email


def test_cli_imports_mail_then_lists_quarantine(make_tenant, tmp_path, monkeypatch):
    make_tenant("cli-ingest")
    good = tmp_path / "req.eml"
    good.write_bytes(vendor_email())
    bad = tmp_path / "junk.eml"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(good), str(bad), "--tenant", "cli-ingest"])
    assert result.exit_code == 0, result.output
    assert "req.eml: parsed" in result.output and "junk.eml: quarantined" in result.output
    listed = runner.invoke(app, ["quarantine", "--tenant", "cli-ingest"])
    assert listed.exit_code == 0 and "binary" in listed.output
    missing = runner.invoke(app, ["quarantine", "--tenant", "no-such-tenant"])
    assert missing.exit_code == 1 and "does not exist" in missing.output
