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
    from warehouse.repositories.tenants import tenant_id_for
    from warehouse.settings import get_settings

    if role not in ROLES:
        raise fail(f"unknown role {role!r}; one of {', '.join(ROLES)}", code=2)
    settings = get_settings()
    if settings.jwks_url:
        typer.secho("note: BENCHCRM_JWKS_URL is set, so the API will not accept this development token",
                    err=True, fg=typer.colors.YELLOW)
    try:
        engine, _ = prepare_database(settings)
        with engine.connect() as conn:
            tenant_id = tenant_id_for(conn, tenant)
    except (DatabaseUnavailable, MigrationError) as exc:
        raise fail(str(exc)) from None
    if tenant_id is None:
        raise fail(f"tenant {tenant!r} does not exist; create it with `benchcrm tenant create {tenant}` "
                   "(or load the demo world with `benchcrm seed`)")
    typer.echo(issue_token(settings, tenant_id=tenant_id, role=role, subject=subject, minutes=minutes,
                           service_account=service_account))
