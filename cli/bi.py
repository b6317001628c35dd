"""`benchcrm bi-credentials --tenant SLUG`: a read-only marts login for one tenant's BI tool (ADR 0018)."""

from __future__ import annotations

import typer

from cli.main import app, fail


@app.command("bi-credentials")
def bi_credentials(
    tenant: str = typer.Option(..., "--tenant", help="Slug of the tenant whose marts the login may read."),
) -> None:
    """Create (or rotate) the tenant's BI login and print its connection URL once; it is stored nowhere else."""
    from warehouse.bi_access import BiLoginError, bi_connection_url, issue_bi_login
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import DatabaseUnavailable, admin_url
    from warehouse.migrations import MigrationError
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        engine, _ = prepare_database(settings)
        with engine.begin() as conn:
            login = issue_bi_login(conn, tenant_slug=tenant)
        url = bi_connection_url(login, owner_url=admin_url(settings),
                                tcp_port=settings.pg_tcp_port if settings.uses_embedded_postgres else None)
    except (DatabaseUnavailable, MigrationError, BiLoginError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{'created' if login.created else 'rotated'} {login.role} (tenant {login.tenant_id}); "
               "read-only, schema marts; the password is shown only now:", err=True)
    if settings.uses_embedded_postgres:
        typer.echo("(the embedded server listens on TCP after `benchcrm db start --tcp` or `benchcrm demo`)", err=True)
    typer.echo(url)
