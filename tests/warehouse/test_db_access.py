"""The embedded server asks for passwords: the owner is never reachable over TCP, the application role's password
is generated and kept 0600 in the data folder, and an old data folder (pgserver's `trust`) is upgraded on start."""

from __future__ import annotations

import os
import stat
import subprocess

import psycopg
import pytest

from tests.private_db import free_port, private_embedded
from warehouse.credentials import app_password_file
from warehouse.embedded import HBA_CONF, os_user, start_embedded, start_embedded_tcp

TRUST_HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"


@pytest.fixture(scope="module")
def own_tcp_server():
    with private_embedded() as settings:
        port = free_port()
        start_embedded_tcp(settings.pg_data_dir, port)
        yield settings, port


def _tcp(port: int, user: str, password: str | None = None) -> str:
    with psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", user=user, password=password,
                         connect_timeout=5) as conn:
        return conn.execute("select current_user").fetchone()[0]


def test_the_owner_cannot_log_in_over_tcp_with_or_without_a_password(own_tcp_server):
    _, port = own_tcp_server
    for password in (None, "", "postgres"):
        with pytest.raises(psycopg.OperationalError, match=r"pg_hba\.conf rejects connection"):
            _tcp(port, "postgres", password)


def test_the_app_password_is_generated_and_kept_0600_and_logs_in_over_tcp(own_tcp_server):
    settings, port = own_tcp_server
    path = app_password_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    password = path.read_text().strip()
    assert len(password) >= 32 and password != "benchcrm_app"
    assert _tcp(port, settings.app_db_role, password) == settings.app_db_role
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _tcp(port, settings.app_db_role, "benchcrm_app")


def test_only_the_os_user_running_benchcrm_is_the_owner_over_the_unix_socket(own_tcp_server):
    """Peer authentication maps only the OS user running BenchCRM to the owner."""
    settings, _ = own_tcp_server
    from pgserver._commands import POSTGRES_BIN_PATH
    from pgserver.utils import PostmasterInfo

    from warehouse.db import admin_engine

    with admin_engine(settings).connect() as conn:
        maps = conn.exec_driver_sql(
            "select map_name, sys_name, pg_username from pg_ident_file_mappings where error is null").all()
    assert [tuple(m) for m in maps] == [("benchcrm_owner", os_user(), "postgres")]
    if os.geteuid() != 0:
        return  # impersonating another OS user below needs root (as in CI's container)
    info = PostmasterInfo.read_from_pgdata(settings.pg_data_dir)
    result = subprocess.run(
        ["su", "pgserver", "-s", "/bin/sh", "-c",
         f"{POSTGRES_BIN_PATH / 'psql'} -h {info.socket_dir} -p {info.port} -U postgres -d postgres -c 'select 1'"],
        capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "Peer authentication failed" in result.stderr


def test_an_old_trust_data_folder_is_upgraded_on_start(own_tcp_server):
    settings, port = own_tcp_server
    hba = settings.pg_data_dir / "pg_hba.conf"
    hba.write_text(TRUST_HBA)
    from pgserver._commands import pg_ctl

    pg_ctl(["reload"], pgdata=settings.pg_data_dir, user="pgserver" if os.geteuid() == 0 else None)
    # what every local process could do before (the reload signal is asynchronous: ask until it took effect)
    assert _eventually(lambda: _tcp(port, "postgres") == "postgres")
    start_embedded(settings.pg_data_dir)
    assert hba.read_text() == HBA_CONF
    assert _eventually(lambda: not _owner_gets_in(port))


def _owner_gets_in(port: int) -> bool:
    try:
        _tcp(port, "postgres")
    except psycopg.OperationalError:
        return False
    return True


def _eventually(check, attempts: int = 200) -> bool:
    """Poll a condition that a signal makes true soon (each attempt is a real connection, so this is not a timer)."""
    for _ in range(attempts):
        try:
            if check():
                return True
        except psycopg.OperationalError:
            pass
    return False


def test_a_bi_login_connects_over_tcp_with_the_url_it_was_given(own_tcp_server):
    settings, port = own_tcp_server
    from warehouse.bi_access import bi_connection_url, issue_bi_login
    from warehouse.db import admin_engine
    from warehouse.embedded import admin_url
    from warehouse.repositories.tenants import ensure_tenant

    with admin_engine(settings).begin() as conn:
        ensure_tenant(conn, slug="tcp-bi")
        login = issue_bi_login(conn, tenant_slug="tcp-bi")
    url = bi_connection_url(login, owner_url=admin_url(settings), tcp_port=port)
    assert url.startswith(f"postgresql://bi_tcp_bi:{login.password}@127.0.0.1:{port}/")
    with psycopg.connect(url, connect_timeout=5) as conn:
        assert conn.execute("select current_user, app.bi_tenant()").fetchone() == ("bi_tcp_bi", login.tenant_id)
