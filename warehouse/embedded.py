"""Embedded PostgreSQL 16 + pgvector (the `pgserver` package), started from a data folder under BENCHCRM_DATA_DIR.

The server outlives the process that started it (cleanup_mode=None) so `make demo` leaves a database running; a
second call finds it running and reuses it. An external server is used instead when BENCHCRM_DATABASE_URL is set.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.settings import Settings

log = logging.getLogger(__name__)


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached or started; the message is the one-line cause."""


def _quietly_import_pgserver() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR; pgserver falls back fine
        import pgserver
        import pgserver._commands  # noqa: F401


def start_embedded(pg_data_dir: Path) -> str:
    """Start (or attach to) the embedded server and return its owner URL (a Unix-socket URL)."""
    try:
        _quietly_import_pgserver()
        import pgserver
    except ImportError as exc:  # pragma: no cover - pgserver is a hard dependency
        raise DatabaseUnavailable("the pgserver package is not installed; run `make demo` first") from exc
    pg_data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(pg_data_dir, cleanup_mode=None)
    except Exception as exc:
        raise DatabaseUnavailable(f"embedded Postgres in {pg_data_dir} did not start: {exc}") from exc
    return socket_uri_with_port(server.get_uri(), server.get_postmaster_info().port)


def socket_uri_with_port(uri: str, port: int | str | None) -> str:
    """pgserver's URI names the socket folder but not the port; after `db start --tcp` the server listens on
    another port, whose number is also the socket file's name (`.s.PGSQL.<port>`), so say it."""
    if port is None or str(port) == "5432" or "?host=" not in uri:
        return uri
    return f"{uri}&port={port}"


def stop_embedded(pg_data_dir: Path) -> bool:
    """Stop the embedded server if it runs. Returns whether one was stopped."""
    _quietly_import_pgserver()
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pg_data_dir)
    if info is None or not info.is_running():
        return False
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pg_data_dir, user=user)
    return True


def start_embedded_tcp(pg_data_dir: Path, port: int) -> str:
    """Restart the embedded data folder listening on 127.0.0.1:PORT too, for BI tools that need TCP.

    The Unix socket stays where it was, so every other client keeps working.
    """
    _quietly_import_pgserver()
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pg_data_dir)
    socket_dir = info.socket_dir if info and info.socket_dir else pg_data_dir
    if info is not None and info.is_running() and str(info.port) == str(port) and info.hostname:
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"
    stop_embedded(pg_data_dir)
    user = "pgserver" if os.geteuid() == 0 else None
    try:
        pg_ctl(
            ["-w", "-o", f"-h 127.0.0.1 -p {port} -k {socket_dir}", "-l", str(pg_data_dir / "log"), "start"],
            pgdata=pg_data_dir,
            user=user,
            timeout=20,
        )
    except subprocess.CalledProcessError as exc:
        raise DatabaseUnavailable(f"could not listen on 127.0.0.1:{port}: {exc}") from exc
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def admin_url(settings: Settings) -> str:
    """Owner URL: external when configured, the embedded server otherwise (started on demand)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.pg_data_dir)


@contextmanager
def throwaway_data_dir(prefix: str) -> Iterator[Path | None]:
    """For benchmarks: unless BENCHCRM_DATABASE_URL is set, point BENCHCRM_DATA_DIR at a fresh temporary folder
    (so its own embedded server starts there, never someone else's), then stop that server and delete the folder.
    Yields the folder, or None when an external server is configured."""
    if "BENCHCRM_DATABASE_URL" in os.environ:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["BENCHCRM_DATA_DIR"] = str(folder)
    try:
        yield folder
    finally:
        stop_embedded(folder / "pgdata")
        shutil.rmtree(folder, ignore_errors=True)
