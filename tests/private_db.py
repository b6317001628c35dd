"""A database server of a test's own, for tests that stop, restart or re-listen it (never the session's server)."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_embedded(prefix: str = "bcrm-own-") -> Iterator[Settings]:
    """Settings for a fresh embedded server in its own temporary folder, migrated; stopped and deleted after."""
    from warehouse.bootstrap import prepare_database
    from warehouse.embedded import stop_embedded

    folder = Path(tempfile.mkdtemp(prefix=prefix))  # short: Unix socket paths are limited to ~107 bytes
    settings = Settings(data_dir=folder, database_url=None, app_db_password=None)
    try:
        prepare_database(settings)
        yield settings
    finally:
        stop_embedded(settings.pg_data_dir)
        shutil.rmtree(folder, ignore_errors=True)
