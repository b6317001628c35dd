"""`benchcrm tenant create SLUG`: the one way to add a tenant (tokens and the API never create one); `disable` and
`enable` stop and restore its access without touching its data."""

from __future__ import annotations

import re

import typer

from cli.main import app, fail

tenant_app = typer.Typer(help="Tenants: create them explicitly before issuing tokens for them.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@tenant_app.command("create")
def tenant_create(
    slug: str = typer.Argument(..., help="Lower-case letters, digits and '-', 2-63 characters."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the slug, title-cased)."),
    server: str = typer.Option("primary", "--server", help="The database server to place it on (a name from "
                                                           "BENCHCRM_DATABASE_SERVERS)."),
) -> None:
    """Create a tenant on a database server, record it in the tenant directory and print its id."""
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.placement import PlacementError, create_placed_tenant
    from warehouse.repositories.tenants import TenantExists
    from warehouse.settings import get_settings

    if not _SLUG.match(slug):
        raise fail(f"invalid tenant slug {slug!r}: lower-case letters, digits and '-', 2-63 characters", code=2)
    if name is not None and not (0 < len(name.strip()) <= 200):
        raise fail("--name must be 1-200 characters", code=2)
    try:
        settings = get_settings()
        prepare_database(settings)
        tenant_id = create_placed_tenant(settings, slug=slug, name=name.strip() if name else None, server=server)
    except (DatabaseUnavailable, MigrationError, TenantExists, PlacementError) as exc:
        raise fail(str(exc)) from None
    typer.echo(str(tenant_id))


def _set_disabled(slug: str, disabled: bool) -> None:
    from warehouse.bootstrap import prepare_database
    from warehouse.db import admin_engine
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.placement import PlacementError, resolve_slug, server_settings
    from warehouse.repositories.tenants import set_disabled
    from warehouse.settings import get_settings

    try:
        settings = get_settings()
        prepare_database(settings)
        _, server = resolve_slug(settings, slug)
        with admin_engine(server_settings(settings, server)).begin() as conn:
            tenant_id = set_disabled(conn, slug, disabled)
    except (DatabaseUnavailable, MigrationError, PlacementError) as exc:
        raise fail(str(exc)) from None
    if tenant_id is None:
        raise fail(f"tenant {slug!r} does not exist")
    typer.echo(f"{slug} ({tenant_id}) {'disabled: its tokens answer 401' if disabled else 'enabled'}")


@tenant_app.command("disable")
def tenant_disable(slug: str = typer.Argument(..., help="The tenant's slug.")) -> None:
    """Stop a tenant's access (its tokens answer 401 within the API's tenant cache time); its data stays."""
    _set_disabled(slug, True)


@tenant_app.command("enable")
def tenant_enable(slug: str = typer.Argument(..., help="The tenant's slug.")) -> None:
    """Restore a disabled tenant's access."""
    _set_disabled(slug, False)


@tenant_app.command("move")
def tenant_move(
    slug: str = typer.Argument(..., help="The tenant's slug."),
    to: str | None = typer.Option(None, "--to", help="The database server to move it to."),
    abort: bool = typer.Option(False, "--abort", help="Undo an unfinished move instead (the tenant stays put)."),
    rebuild_marts: bool = typer.Option(True, "--rebuild-marts/--no-rebuild-marts",
                                       help="Then rebuild the target server's marts (dbt build --full-refresh)."),
) -> None:
    """Move a tenant's rows to another server: copy, verify (counts and checksums), flip the directory, delete from
    the source. Its requests answer 503 with Retry-After meanwhile. Re-run after a failure to finish the move."""
    from sqlalchemy.exc import DBAPIError

    from warehouse.bootstrap import prepare_database
    from warehouse.dbt_env import WARN_ERROR_ARGS, run_dbt_on_servers
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.placement import PlacementError
    from warehouse.settings import get_settings
    from warehouse.tenant_move import MoveFailed, abort_move, move_tenant

    if to is None and not abort:
        raise fail("name the server to move to with --to SERVER (or undo an unfinished move with --abort)", code=2)
    settings = get_settings()
    try:
        prepare_database(settings)
        if abort or to is None:
            row = abort_move(settings, slug)
            typer.echo(f"{slug}: move aborted; on server {row.server}")
            return
        report = move_tenant(settings, slug, to)
    except (DatabaseUnavailable, MigrationError, PlacementError, MoveFailed) as exc:
        raise fail(str(exc)) from None
    except DBAPIError as exc:  # a server went away mid-move: the directory knows how far it got
        cause = str(exc.orig or exc).strip().splitlines()[0]
        raise fail(f"the move of {slug!r} stopped ({cause}); run it again to finish it, or with --abort") from None
    typer.echo(f"{slug} ({report.tenant_id}) moved {report.source} -> {report.target}"
               f"{' (resumed)' if report.resumed else ''}: {sum(report.rows.values())} rows in "
               f"{len(report.rows)} tables, verified, source cleaned, {report.seconds:.1f} s")
    if rebuild_marts:
        proc = run_dbt_on_servers(settings, "build", *WARN_ERROR_ARGS, "--full-refresh", servers=(to,))[to]
        if proc.returncode != 0:
            typer.echo(proc.stdout[-6000:], err=True)
            raise fail(f"the move is done, but rebuilding the marts on {to!r} failed; run `benchcrm marts` again")
        typer.echo(f"marts rebuilt on {to}")
