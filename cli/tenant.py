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
) -> None:
    """Create a tenant and print its id."""
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.repositories.tenants import TenantExists, create_tenant
    from warehouse.settings import get_settings

    if not _SLUG.match(slug):
        raise fail(f"invalid tenant slug {slug!r}: lower-case letters, digits and '-', 2-63 characters", code=2)
    if name is not None and not (0 < len(name.strip()) <= 200):
        raise fail("--name must be 1-200 characters", code=2)
    try:
        engine, _ = prepare_database(get_settings())
        with engine.begin() as conn:
            tenant_id = create_tenant(conn, slug=slug, name=name.strip() if name else None)
    except (DatabaseUnavailable, MigrationError, TenantExists) as exc:
        raise fail(str(exc)) from None
    typer.echo(str(tenant_id))


def _set_disabled(slug: str, disabled: bool) -> None:
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.repositories.tenants import set_disabled
    from warehouse.settings import get_settings

    try:
        engine, _ = prepare_database(get_settings())
        with engine.begin() as conn:
            tenant_id = set_disabled(conn, slug, disabled)
    except (DatabaseUnavailable, MigrationError) as exc:
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
