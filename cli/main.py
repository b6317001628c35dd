"""`benchcrm`: the one command-line interface. Heavy imports happen inside commands, never at import time."""

from __future__ import annotations

import logging
import sys

import typer

app = typer.Typer(
    name="benchcrm",
    help="BenchCRM: AI-first CRM for IT bench sales.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The database: embedded PostgreSQL 16 + pgvector, or BENCHCRM_DATABASE_URL.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line cause on stderr and return the exit to raise."""
    typer.secho(f"benchcrm: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at INFO level.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def migrate() -> None:
    """Apply database migrations (forward-only) and load the skill taxonomy."""
    from ml.taxonomy import load_taxonomy
    from ml.taxonomy.sync import sync_taxonomy
    from warehouse.bootstrap import prepare_database
    from warehouse.db import admin_tx
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError

    try:
        engine, applied = prepare_database()
    except (DatabaseUnavailable, MigrationError) as exc:
        raise fail(str(exc)) from None
    with admin_tx(engine) as conn:
        skills = sync_taxonomy(conn, load_taxonomy())
    typer.echo(f"migrations applied: {applied or 'none (up to date)'}; taxonomy: {skills} skills")


@db_app.command("start")
def db_start(tcp: bool = typer.Option(False, help="Also listen on 127.0.0.1:BENCHCRM_PG_TCP_PORT for BI tools.")) -> None:
    """Start the embedded server (no-op with BENCHCRM_DATABASE_URL) and print its URL."""
    from warehouse.embedded import DatabaseUnavailable, admin_url, start_embedded_tcp
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        url = admin_url(settings)
        if tcp and settings.uses_embedded_postgres:
            url = start_embedded_tcp(settings.pg_data_dir, settings.pg_tcp_port)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    typer.echo(url)


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded server."""
    from warehouse.embedded import stop_embedded
    from warehouse.settings import get_settings

    settings = get_settings()
    if not settings.uses_embedded_postgres:
        raise fail("BENCHCRM_DATABASE_URL is set: the external server is not ours to stop")
    typer.echo("stopped" if stop_embedded(settings.pg_data_dir) else "not running")
    from warehouse.placement import server_names, server_settings

    for name in server_names(settings)[1:]:  # embedded placement servers (docs/adr/0025)
        other = server_settings(settings, name)
        if other.uses_embedded_postgres:
            typer.echo(f"{name}: {'stopped' if stop_embedded(other.pg_data_dir) else 'not running'}")


@db_app.command("url")
def db_url() -> None:
    """Print the owner URL (starting the embedded server if needed)."""
    from warehouse.embedded import DatabaseUnavailable, admin_url
    from warehouse.settings import get_settings

    try:
        typer.echo(admin_url(get_settings()))
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None


def main() -> None:
    """Console entry point: usage errors become one line on stderr with a non-zero exit code."""
    if len(sys.argv) == 1:
        sys.argv.append("--help")
    try:
        code = app(standalone_mode=False)
    except (typer.Exit, SystemExit):
        raise
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:
        # Typer vendors click; its ClickException family carries `format_message` and `exit_code`.
        if not hasattr(exc, "format_message"):
            raise
        typer.secho(f"benchcrm: {exc.format_message()} (see `benchcrm --help`)", err=True, fg=typer.colors.RED)
        sys.exit(getattr(exc, "exit_code", 2) or 2)
    sys.exit(code if isinstance(code, int) else 0)


# Sub-command modules register themselves on `app` (imported last so they can import `app`).
from cli import backup as _backup  # noqa: E402,F401
from cli import bi as _bi  # noqa: E402,F401
from cli import demo as _demo  # noqa: E402,F401
from cli import extract as _extract  # noqa: E402,F401
from cli import ingest as _ingest  # noqa: E402,F401
from cli import keys as _keys  # noqa: E402,F401
from cli import marts as _marts  # noqa: E402,F401
from cli import mlflow_server as _mlflow_server  # noqa: E402,F401
from cli import score_pairs as _score_pairs  # noqa: E402,F401
from cli import seed as _seed  # noqa: E402,F401
from cli import serve as _serve  # noqa: E402,F401
from cli import tenant as _tenant  # noqa: E402,F401
from cli import token as _token  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover - `python -m cli.main` must use the registered `cli.main.app`
    from cli.main import main as _registered_main

    _registered_main()
