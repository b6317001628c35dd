"""HMAC-SHA256 signatures over `<timestamp>.<body>` (the timestamp defeats replays of old deliveries).

Headers on every delivery: `BenchCRM-Event-Id` (deduplicate on it), `BenchCRM-Event-Type`, `BenchCRM-Timestamp`
(unix seconds) and `BenchCRM-Signature: v1=<hex>`.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance_seconds: int = 300,
           now: float | None = None) -> bool:
    """What a consumer runs: constant-time compare, and reject timestamps outside the tolerance."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
