"""`benchcrm ingest` and `benchcrm quarantine`: import e-mails and resumes through the fast path (the same code the
API and the Dagster assets run), and list what was quarantined."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.main import app, fail

RESUME_SUFFIXES = {".pdf": "application/pdf", ".txt": "text/plain",
                   ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _tenant_id(slug: str):
    from warehouse.db import admin_engine
    from warehouse.repositories.tenants import tenant_id_for

    with admin_engine().connect() as conn:
        found = tenant_id_for(conn, slug)
    if found is None:
        raise fail(f"tenant {slug!r} does not exist; run `benchcrm seed` first")
    return found


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help=".eml files and resumes (.pdf/.docx/.txt)"),
    tenant: str = typer.Option("acme", "--tenant", help="Tenant slug."),
) -> None:
    """Import e-mails and resumes now (fast path): one line per file with the outcome and its timings."""
    from ml.ingest.service import import_message, import_resume
    from warehouse.db import tenant_tx

    tenant_id = _tenant_id(tenant)
    for path in paths:
        data = path.read_bytes()
        with tenant_tx(tenant_id) as conn:
            if path.suffix.lower() in RESUME_SUFFIXES:
                out = import_resume(conn, tenant_id=tenant_id, filename=path.name, data=data,
                                    content_type=RESUME_SUFFIXES[path.suffix.lower()], source="folder")
                typer.echo(f"{path.name}: resume {out.status} consultant={out.consultant_id} "
                           f"{out.reason or ''} ({out.timings.get('total', 0):.0f} ms)")
            else:
                msg = import_message(conn, tenant_id=tenant_id, raw=data, source="folder")
                typer.echo(f"{path.name}: {msg.status} requirement={msg.requirement_id} "
                           f"{msg.merge_reason or ''} {msg.reason or ''} ({msg.timings.get('total', 0):.0f} ms)")


@app.command()
def quarantine(
    tenant: str = typer.Option("acme", "--tenant", help="Tenant slug."),
    limit: int = typer.Option(20, min=1, max=1000),
) -> None:
    """List the newest quarantined inputs with their reasons."""
    from warehouse.db import tenant_tx
    from warehouse.repositories.quarantine import list_quarantine

    with tenant_tx(_tenant_id(tenant)) as conn:
        rows = list_quarantine(conn, limit=limit)
    for r in rows:
        typer.echo(f"{r.created_at:%Y-%m-%d %H:%M} {r.source:<6} {r.entity_type:<17} {r.raw_size:>8} B  {r.reason}")
    if not rows:
        typer.echo("quarantine is empty")
