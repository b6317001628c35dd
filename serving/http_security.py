"""Security headers on every response, and the guard in front of `/metrics`.

The headers are set by a pure ASGI middleware (no body buffering). The CSP only forbids framing, plugins and a
foreign <base>: it does not restrict scripts, so /docs (Swagger UI) and /redoc, whose offline pages carry inline
bootstrap scripts, keep working. JSON answers are `Cache-Control: no-store` (they carry personal data), unless the
route chose its own caching.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import ProblemError

CONTENT_SECURITY_POLICY = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
HSTS = "max-age=31536000; includeSubDomains"

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _ALWAYS if k not in present]
                if https and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if b"json" in content_type and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_metrics_access(request: Request) -> None:
    """With `BENCHCRM_METRICS_TOKEN` set, /metrics needs `Authorization: Bearer <that token>`; without one, only
    loopback clients (a scraper on the same host) may read it."""
    expected = request.app.state.settings.metrics_token
    if expected is None:
        client = request.client.host if request.client else None
        if not _is_loopback(client):
            raise ProblemError(403, "forbidden", "Forbidden",
                               "metrics are served to loopback clients or with the metrics token")
        return
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(supplied.strip().encode(),
                                                             expected.get_secret_value().encode()):
        raise ProblemError(401, "unauthorized", "Unauthorized", "the metrics token is missing or wrong",
                           headers={"WWW-Authenticate": "Bearer"})
