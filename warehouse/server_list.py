"""The list of Postgres servers tenants are placed on (`BENCHCRM_DATABASE_SERVERS`), parsed. Its own module so
`warehouse.settings` can validate it without importing the placement code that imports the settings."""

from __future__ import annotations

import re

PRIMARY = "primary"
EMBEDDED = "embedded"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


class PlacementError(ValueError):
    """A bad server list, an unknown server or tenant; the message is the one-line cause."""


def parse_servers(spec: str | None) -> dict[str, str | None]:
    """'primary=<url>,eu=embedded' -> {name: url, or None for an embedded server}; order kept."""
    servers: dict[str, str | None] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        name, sep, url = item.strip().partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not url:
            raise PlacementError(f"BENCHCRM_DATABASE_SERVERS: {item.strip()!r} is not name=url")
        if not _NAME.match(name):
            raise PlacementError(f"BENCHCRM_DATABASE_SERVERS: {name!r} is not a server name (a-z, 0-9, '-', '_')")
        if name in servers:
            raise PlacementError(f"BENCHCRM_DATABASE_SERVERS: server {name!r} is listed twice")
        servers[name] = None if url == EMBEDDED else url
    return servers
