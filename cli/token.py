"""`benchcrm token`: print a development access token signed with the local key."""

from __future__ import annotations

import typer

from cli.main import app, fail


@app.command()
def token(
    tenant: str = typer.Option(..., "--tenant", help="Slug of an existing tenant (`benchcrm tenant create`)."),
    role: str = typer.Option("Recruiter", "--role", help="Owner, Admin, Recruiter, Sales, Analyst or ReadOnly."),
    subject: str | None = typer.Option(None, "--subject", help="The `sub` claim (default: a new UUID)."),
    minutes: int | None = typer.Option(None, "--minutes", min=1, max=24 * 60, help="Lifetime (default: settings)."),
    service_account: bool = typer.Option(False, "--service-account", help="A token for an integration."),
) -> None:
    """Print a development token (RS256, local key under the data folder) for `Authorization: Bearer`."""
    from serving.auth.tokens import ROLES, issue_token
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.placement import PlacementError, resolve_slug
    from warehouse.settings import get_settings

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; one of {', '.join(ROLES)}", code=2)
    settings = get_settings()
    if settings.jwks_url:
        typer.secho("note: BENCHCRM_JWKS_URL is set, so the API will not accept this development token",
                    err=True, fg=typer.colors.YELLOW)
    try:
        prepare_database(settings)
        tenant_id = resolve_slug(settings, tenant)[0]  # on whichever server it is placed
    except (DatabaseUnavailable, MigrationError) as exc:
        raise fail(str(exc)) from None
    except PlacementError:
        tenant_id = None
    if tenant_id is None:
        raise fail(f"tenant {tenant!r} does not exist; create it with `benchcrm tenant create {tenant}` "
                   "(or load the demo world with `benchcrm seed`)")
    typer.echo(issue_token(settings, tenant_id=tenant_id, role=role, subject=subject, minutes=minutes,
                           service_account=service_account))
