"""The image's HEALTHCHECK: GET a local URL, healthy on 2xx. One image runs several services, so each names its
own endpoint in BENCHCRM_HEALTHCHECK_URL (API /healthz by default; Dagster webserver /server_info; MLflow /health).
Standard library only: it runs every few seconds and must not import the application."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def main() -> int:
    url = os.environ.get("BENCHCRM_HEALTHCHECK_URL") or DEFAULT_URL
    try:
        with urllib.request.urlopen(url, timeout=float(os.environ.get("BENCHCRM_HEALTHCHECK_TIMEOUT", "4"))) as reply:
            healthy = 200 <= reply.status < 300
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
