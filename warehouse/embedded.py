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


def start_embedded(pg_data_dir: Path, shared_buffers: str | None = None) -> str:
    """Start (or attach to) the embedded server and return its owner URL (a Unix-socket URL). `shared_buffers`
    (a size, or 'auto'): the server's cache, applied when this call starts the server (a fresh folder's is
    restarted once after initdb); a server already running keeps its own until its next start."""
    try:
        _quietly_import_pgserver()
        import pgserver
    except ImportError as exc:  # pragma: no cover - pgserver is a hard dependency
        raise DatabaseUnavailable("the pgserver package is not installed; run `make demo` first") from exc
    from pgserver.utils import PostmasterInfo

    pg_data_dir.parent.mkdir(parents=True, exist_ok=True)
    # The running server's own postmaster.pid is the truth (pgserver's per-process handle keeps what it saw at
    # start, which is stale after `db start --tcp` or a restart by another process).
    info = PostmasterInfo.read_from_pgdata(pg_data_dir)
    if info is None or not info.is_running():
        if shared_buffers and (pg_data_dir / "PG_VERSION").exists():
            write_memory_conf(pg_data_dir, shared_buffers)  # read by the start below
        pgserver.PostgresServer._instances.pop(pg_data_dir.expanduser().resolve(), None)
        try:
            info = pgserver.get_server(pg_data_dir, cleanup_mode=None).get_postmaster_info()
        except Exception as exc:
            raise DatabaseUnavailable(f"embedded Postgres in {pg_data_dir} did not start: {exc}") from exc
        if shared_buffers and write_memory_conf(pg_data_dir, shared_buffers):  # initdb just made the folder
            _restart_in_place(pg_data_dir)
            info = PostmasterInfo.read_from_pgdata(pg_data_dir) or info
    elif shared_buffers:
        write_memory_conf(pg_data_dir, shared_buffers)  # for its next start; never restarted under its clients
    secure_access(pg_data_dir)
    return socket_uri_with_port(info.get_uri(), info.port)


MEMORY_CONF = "benchcrm.conf"
_INCLUDE = f"include_if_exists = '{MEMORY_CONF}'  # BenchCRM's memory settings (warehouse/embedded.py)\n"


def shared_buffers_size(setting: str, physical_bytes: int | None = None) -> str:
    """'auto' -> an eighth of physical memory between 128MB and 1GB (pgvector's HNSW search reads its graph
    through Postgres' cache: past it, every search copies pages in from the OS); an explicit size is kept."""
    if setting != "auto":
        return setting
    if physical_bytes is None:
        physical_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mb = physical_bytes // 8 // 2**20
    return f"{min(max(mb, 128), 1024)}MB"


def write_memory_conf(pg_data_dir: Path, shared_buffers: str) -> bool:
    """The data folder's `benchcrm.conf` (included from postgresql.conf) says this shared_buffers. Returns
    whether anything changed (then a running server needs a restart to use it)."""
    conf = pg_data_dir / "postgresql.conf"
    changed = False
    if _INCLUDE not in conf.read_text():
        with conf.open("a") as f:
            f.write("\n" + _INCLUDE)
        changed = True
    text = (f"# Written by BenchCRM (BENCHCRM_PG_SHARED_BUFFERS) on every start; edits are overwritten.\n"
            f"shared_buffers = '{shared_buffers_size(shared_buffers)}'\n")
    return _write_like(pg_data_dir / MEMORY_CONF, text) or changed


def _restart_in_place(pg_data_dir: Path) -> None:
    """Restart with the options it was started with (postmaster.opts: the same socket, so the same URL)."""
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "restart", "-m", "fast"], pgdata=pg_data_dir, user=user, timeout=30)
    except subprocess.CalledProcessError as exc:
        raise DatabaseUnavailable(f"embedded Postgres in {pg_data_dir} did not restart: {exc}") from exc


# pgserver's initdb writes `trust` for every local and loopback connection: any local process could log in as the
# owner (a superuser, so past RLS). This file replaces it on every start (existing data folders are upgraded and the
# server reloaded): the owner only over the Unix socket and only for the OS user running BenchCRM (peer), never
# over TCP; every other role (the application role, per-tenant BI logins) with a SCRAM password.
OWNER_MAP = "benchcrm_owner"
HBA_CONF = f"""# Written by BenchCRM (warehouse/embedded.py) on every start; edits are overwritten.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 peer map={OWNER_MAP}
local   all       all                      scram-sha-256
host    all       postgres  0.0.0.0/0      reject
host    all       postgres  ::/0           reject
host    all       all       127.0.0.1/32   scram-sha-256
host    all       all       ::1/128        scram-sha-256
"""


def os_user() -> str:
    """The name peer authentication will see: the effective uid's (not $USER, which sudo or a shell may keep)."""
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def ident_conf(user: str) -> str:
    return (f"# Written by BenchCRM: the OS user allowed to log in as the owner over the Unix socket.\n"
            f"{OWNER_MAP}  {user}  postgres\n")


def _write_like(path: Path, text: str) -> bool:
    """Replace `path` with `text` (keeping its owner, mode 0600) unless it already says exactly that."""
    if path.is_file() and path.read_text() == text:
        return False
    stat = (path if path.exists() else path.parent).stat()
    tmp = path.with_name(path.name + ".benchcrm-tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o600)
    if os.geteuid() == 0:
        os.chown(tmp, stat.st_uid, stat.st_gid)
    tmp.replace(path)
    return True


def secure_access(pg_data_dir: Path) -> bool:
    """Make the data folder's pg_hba.conf/pg_ident.conf BenchCRM's and reload the server if they changed.
    Returns whether anything was rewritten (an upgraded or fresh data folder)."""
    changed = _write_like(pg_data_dir / "pg_ident.conf", ident_conf(os_user()))
    changed = _write_like(pg_data_dir / "pg_hba.conf", HBA_CONF) or changed
    if changed:
        from pgserver._commands import pg_ctl

        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["reload"], pgdata=pg_data_dir, user=user)
        log.info("embedded Postgres in %s: pg_hba.conf now requires passwords (reloaded)", pg_data_dir)
    return changed


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
        return bi_tcp_url(port)
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
    return bi_tcp_url(port)


def bi_tcp_url(port: int) -> str:
    """What BI tools connect to: the owner is refused over TCP, so the URL names no user; each tenant's login comes
    from `benchcrm bi-credentials --tenant SLUG`."""
    return f"postgresql://127.0.0.1:{port}/postgres"


def restart_embedded(pg_data_dir: Path) -> None:
    """Start a stopped embedded server again the way pgserver starts it (Unix socket only, the same socket folder
    and so the same URL), without pgserver's per-process handle cache, which still believes the old server runs.
    For fault drills: clients holding the old URL reconnect by themselves."""
    _quietly_import_pgserver()
    from pgserver import PostgresServer
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo, find_suitable_socket_dir

    info = PostmasterInfo.read_from_pgdata(pg_data_dir)
    if info is not None and info.is_running():
        return
    socket_dir = find_suitable_socket_dir(pg_data_dir, PostgresServer.runtime_path)
    user = "pgserver" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(pg_data_dir / "log"), "start"],
               pgdata=pg_data_dir, user=user, timeout=30)
    except subprocess.CalledProcessError as exc:
        raise DatabaseUnavailable(f"embedded Postgres in {pg_data_dir} did not restart: {exc}") from exc


def admin_url(settings: Settings) -> str:
    """Owner URL: external when configured, the embedded server otherwise (started on demand)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.pg_data_dir, settings.pg_shared_buffers)


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
