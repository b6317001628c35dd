"""The embedded server's shared_buffers (ADR 0031): sized from the machine or the setting, applied when BenchCRM
starts the server, never by restarting a server other processes are using."""

from __future__ import annotations

import psycopg
import pytest
from pydantic import ValidationError

from warehouse.embedded import shared_buffers_size, start_embedded, stop_embedded
from warehouse.settings import Settings

GB = 2**30


@pytest.mark.parametrize(("memory", "expected"), [(4 * GB, "512MB"), (64 * GB, "1024MB"), (GB // 2, "128MB")])
def test_auto_is_an_eighth_of_memory_between_128mb_and_1gb(memory, expected):
    assert shared_buffers_size("auto", memory) == expected


def test_an_explicit_size_is_kept_and_nonsense_is_refused():
    assert shared_buffers_size("300MB", 4 * GB) == "300MB"
    with pytest.raises(ValidationError, match="pg_shared_buffers"):
        Settings(pg_shared_buffers="lots")


def _shared_buffers(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("show shared_buffers").fetchone()[0]


def test_a_fresh_server_starts_with_it_and_a_running_one_keeps_its_own_until_restarted(tmp_path):
    pgdata = tmp_path / "pgdata"
    try:
        url = start_embedded(pgdata, "160MB")  # a fresh folder: initdb, then restarted once with the setting
        assert _shared_buffers(url) == "160MB"
        url = start_embedded(pgdata, "200MB")  # running: its clients are not cut off
        assert _shared_buffers(url) == "160MB"
        assert "shared_buffers = '200MB'" in (pgdata / "benchcrm.conf").read_text()
        stop_embedded(pgdata)
        assert _shared_buffers(start_embedded(pgdata, "200MB")) == "200MB"
    finally:
        stop_embedded(pgdata)
