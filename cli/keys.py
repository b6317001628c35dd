"""`benchcrm keys rotate`: a new data key, and every encrypted value re-encrypted under it."""

from __future__ import annotations

import typer

from cli.main import app, fail

keys_app = typer.Typer(help="Encryption keys of the personal data columns.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate(
    retire_old: bool = typer.Option(False, "--retire-old",
                                    help="Then drop the old keys from the key file (backups under them stop "
                                         "opening)."),
) -> None:
    """Make a new key current (generated into the key file, or the first of BENCHCRM_DATA_KEYS) and re-encrypt."""
    from warehouse.bootstrap import prepare_database
    from warehouse.crypto import KeyringError
    from warehouse.embedded import DatabaseUnavailable
    from warehouse.migrations import MigrationError
    from warehouse.sealed import rotate
    from warehouse.settings import get_settings

    settings = get_settings()
    try:
        engine, _ = prepare_database(settings)
        with engine.begin() as conn:
            kid, counts = rotate(conn, settings, retire_old=retire_old)
    except (DatabaseUnavailable, MigrationError, KeyringError) as exc:
        raise fail(str(exc)) from None
    done = ", ".join(f"{table}: {n}" for table, n in counts.items()) or "nothing to re-encrypt"
    typer.echo(f"current key {kid}; re-encrypted {done}")
