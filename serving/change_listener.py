"""Keeps the process's TenantCache (ml/matching/tenant_cache.py) fresh: LISTENs on `benchcrm_changes` (migration
0026) on a connection of its own and drops the entries each notification names (docs/adr/0022).

The cache serves only while this listener is connected. On every (re)connect it first empties the cache, since
notifications sent while it was away are lost; then it enables it. A lost connection disables the cache at once
(requests read the database) and the listener retries every RETRY_SECONDS until `stop` is set.
"""

from __future__ import annotations

import json
import logging
import threading

import psycopg
import sqlalchemy as sa

from ml.matching.tenant_cache import TenantCache

log = logging.getLogger(__name__)

CHANNEL = "benchcrm_changes"
RETRY_SECONDS = 1.0
POLL_SECONDS = 0.5  # how often a quiet connection checks `stop`
_PEERS_LOCK = threading.Lock()


def _dsn(engine: sa.Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def apply_notification(cache: TenantCache, payload: str) -> None:
    """One notification's payload applied to the cache; one it cannot read empties the cache (never ignored)."""
    try:
        body = json.loads(payload)
        tenant, table = str(body["tenant_id"]), str(body["table"])
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable change notification %r: cache cleared", payload[:200])
        cache.clear()
        return
    cache.invalidate(tenant, table, body.get("id"))


class ChangeListener:
    """`run()` in a daemon thread; `connected` is set while LISTEN is active; `backend_pid` is the server process
    of the listening connection (tests end it to simulate an outage)."""

    def __init__(self, engine: sa.Engine, cache: TenantCache, stop: threading.Event,
                 peers: list[ChangeListener] | None = None) -> None:
        self.engine, self.cache, self.stop = engine, cache, stop
        # With several placement servers, one listener per server shares the cache: it serves only while all are
        # connected (a server whose listener is away may be sending notifications no one hears).
        self.peers = peers if peers is not None else [self]
        self.connected = threading.Event()
        self.backend_pid: int | None = None
        self.connects = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._listen()
            except (psycopg.Error, OSError) as exc:
                log.warning("change listener lost its connection (%s); cache off until it reconnects", exc)
            finally:
                self.cache.enabled = False
                self.connected.clear()
                self.cache.clear()
            self.stop.wait(RETRY_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(_dsn(self.engine), autocommit=True, connect_timeout=2) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            # Anything cached before this point may have missed a notification: start empty.
            self.cache.clear()
            self.backend_pid = conn.info.backend_pid
            self.connects += 1
            with _PEERS_LOCK:  # listeners connecting at once: the last one in sees all and enables the cache
                self.cache.enabled = all(peer is self or peer.connected.is_set() for peer in self.peers)
                self.connected.set()
            log.info("change listener connected (backend %s)", self.backend_pid)
            while not self.stop.is_set():
                for note in conn.notifies(timeout=POLL_SECONDS):
                    apply_notification(self.cache, note.payload)
                # notifies() returns quietly on timeout; a dead server shows only on use.
                conn.execute("select 1")


def start_change_listener(engine: sa.Engine, cache: TenantCache, stop: threading.Event
                          ) -> tuple[ChangeListener, threading.Thread]:
    listener = ChangeListener(engine, cache, stop)
    thread = threading.Thread(target=listener.run, name="change-listener", daemon=True)
    thread.start()
    return listener, thread


def start_change_listeners(engines: list[sa.Engine], cache: TenantCache, stop: threading.Event
                           ) -> list[tuple[ChangeListener, threading.Thread]]:
    """One listener per placement server, all feeding `cache`; the first engine's comes first."""
    peers: list[ChangeListener] = []
    peers.extend(ChangeListener(engine, cache, stop, peers) for engine in engines)
    started = []
    for listener in peers:
        thread = threading.Thread(target=listener.run, name="change-listener", daemon=True)
        thread.start()
        started.append((listener, thread))
    return started
