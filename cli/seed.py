"""`benchcrm seed`: generate the demo world and load it as a tenant (replacing that tenant's data)."""

from __future__ import annotations

import re
from datetime import date, datetime

import typer

from cli.main import app, fail

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


VARIETY_HELP = ("Share of emails and resumes written in varied real-world shapes (prose, tables, lost line "
                "breaks); 0 writes only the labelled templates (ADR 0012).")


def seed_world(*, tenant: str, consultants: int, requirements: int, seed: int, console=None,
               as_of: date | None = None, variety: float = 1.0) -> dict:
    """Migrate, load the taxonomy, generate + load the world, verify it with the oracle; print and return a summary.

    Raises typer.Exit (with a one-line message on stderr) on bad input or an unreachable database.
    """
    import time

    from pydantic import ValidationError
    from rich.console import Console
    from rich.table import Table

    from demo_world.loader import seed_tenant
    from demo_world.model import WorldParams
    from demo_world.oracle import realized_oracle_auc
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError

    console = console or Console()
    if not _SLUG.match(tenant):
        raise fail(f"invalid tenant slug {tenant!r}: lower-case letters, digits and '-', 2-63 characters")
    try:
        params = WorldParams(consultants=consultants, requirements=requirements, seed=seed, variety=variety,
                             **({"as_of": as_of} if as_of else {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise fail(f"invalid {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    started = time.perf_counter()
    with console.status("Migrating the database…") as status:
        try:
            engine, _ = prepare_database()
        except (DatabaseUnavailable, MigrationError) as exc:
            raise fail(str(exc)) from None
        with engine.begin() as conn:
            sync_taxonomy(conn, load_taxonomy())
        result = seed_tenant(engine, params, tenant_slug=tenant,
                             progress=lambda msg: status.update(f"Seeding {tenant!r}: {msg}…"))
        status.update("Checking the oracle against the loaded history…")
        with engine.begin() as conn:
            auc, n_sub, rate = realized_oracle_auc(conn, tenant_id=result.tenant_id)
    total = time.perf_counter() - started
    table = Table(title=f"Demo world for tenant {tenant!r} (seed {seed}, as of {params.as_of})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in result.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"submissions: {n_sub:,}; advanced to interview (label): {rate:.1%}; "
                  f"oracle AUC on realized outcomes: {auc:.3f}; placements: {result.stats['placements']:,}",
                  soft_wrap=True)
    console.print(f"generate {result.seconds_generate:.1f} s, load {result.seconds_load:.1f} s, "
                  f"total with migrate and oracle check {total:.1f} s", soft_wrap=True)
    return {"tenant_id": str(result.tenant_id), "counts": result.counts, "advanced_rate": rate, "oracle_auc": auc,
            "seconds_generate": result.seconds_generate, "seconds_load": result.seconds_load, "seconds_total": total}


@app.command()
def seed(
    tenant: str = typer.Option("acme", help="Tenant slug; its previous data is replaced."),
    consultants: int = typer.Option(2000, min=20, max=200_000, help="Bench size."),
    requirements: int = typer.Option(400, min=10, max=50_000, help="Requirements (with their vendor emails)."),
    seed: int = typer.Option(7, min=0, max=2**31 - 1, help="World seed: same seed, same world."),
    as_of: datetime = typer.Option("2026-11-01", formats=["%Y-%m-%d"],
                                   help="Reference date the history ends at (never today, for determinism)."),
    variety: float = typer.Option(1.0, min=0.0, max=1.0, help=VARIETY_HELP),
) -> None:
    """Generate the realistic demo world (bench, companies, vendor emails, history) and load it as a tenant."""
    seed_world(tenant=tenant, consultants=consultants, requirements=requirements, seed=seed, as_of=as_of.date(),
               variety=variety)
