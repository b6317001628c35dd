"""Request ids, structured JSON logs with PII masked, Prometheus RED metrics, and the request size limit.

Pure ASGI middlewares (no BaseHTTPMiddleware): they do not buffer bodies and keep streaming intact.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import PROBLEM_MEDIA_TYPE

access_log = logging.getLogger("serving.access")

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# A phone number as people write one: international (+ and 8-15 digits in groups) or North American (3-3-4, the
# area code optionally in parentheses or after a 1). Digit runs inside URLs, paths, UUIDs, timestamps and lists of
# status codes do not have that shape, so they stay readable.
_PHONE = re.compile(
    r"(?<![\w/=.:-])(?:"
    r"\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}"
    r"|(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}"
    r"|\d{10}"
    r")(?![\w/-])")
_REQUEST_ID_CHARS = re.compile(r"^[A-Za-z0-9._:-]+$")
CLIENT_REQUEST_ID_MAX = 64
# The caller's X-Request-ID for the request being served (set by RequestContextMiddleware; handlers running in the
# thread pool see it too), so the audit trail can store it next to the server's id without every caller passing it.
current_client_request_id: ContextVar[str | None] = ContextVar("client_request_id", default=None)


def mask_pii(text: str) -> str:
    """a***@example.com, and phone numbers reduced to their last two digits."""
    text = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m[0])[-2:], text)


def client_request_id(raw: bytes | None) -> str | None:
    """The caller's X-Request-ID, kept only when it is plain printable ASCII (truncated to 64 characters): it is
    the caller's correlation id, stored beside ours, never instead of it."""
    if not raw:
        return None
    text = raw.decode("latin-1").strip()[:CLIENT_REQUEST_ID_MAX]
    return text if _REQUEST_ID_CHARS.match(text) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line; string values pass through `mask_pii`."""

    _SKIP = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                               "logger": record.name, "msg": mask_pii(record.getMessage())}
        for key, value in vars(record).items():
            if key not in self._SKIP and not key.startswith("_"):
                out[key] = mask_pii(value) if isinstance(value, str) else value
        if record.exc_info:
            out["exc"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(out, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    for name in ("serving", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # our access log carries the request id


class Metrics:
    """A registry per app, so several apps (tests) never collide on metric names."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests_total", "Requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "Latency", ["method", "route"],
                                 registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))

    def watch_rate_limits(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Export the rate limiters' counts (`SharedRateLimiter.counts`, summed by `counts`) at each scrape."""
        self.registry.register(_RateLimitCollector(counts))


class _RateLimitCollector:
    """Where a request's rate-limit token came from (docs/adr/0039): a worker's leased pocket, or a round trip the
    request waited for; the leases taken ahead in the background; the leased tokens that expired unspent."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = self._counts()
        takes = CounterMetricFamily("rate_limit_takes", "Requests charged to a rate-limit bucket, by where the "
                                    "token came from", labels=["source"])
        takes.add_metric(["pocket"], counts.get("requests", 0) - counts.get("awaited", 0))
        takes.add_metric(["database"], counts.get("awaited", 0))
        yield takes
        yield CounterMetricFamily("rate_limit_leases_ahead", "Rate-limit leases taken in the background",
                                  value=counts.get("ahead", 0))
        yield CounterMetricFamily("rate_limit_tokens_lost", "Leased rate-limit tokens that expired unspent",
                                  value=counts.get("lost", 0))


class RequestContextMiddleware:
    """Assigns the server's own request id (X-Request-ID on the response), keeps a sane incoming X-Request-ID apart
    as the client's id (echoed as X-Client-Request-ID, audited in its own column), logs one JSON line, records
    metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client_id = client_request_id(dict(scope.get("headers") or []).get(b"x-request-id"))
        request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"], state["client_request_id"] = request_id, client_id
        extra_headers = [(b"x-request-id", request_id.encode())]
        if client_id:
            extra_headers.append((b"x-client-request-id", client_id.encode()))
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *extra_headers]
            await send(message)

        token = current_client_request_id.set(client_id)
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            current_client_request_id.reset(token)
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            access_log.info("%s %s %s", scope["method"], scope["path"], status, extra={
                "request_id": request_id, "client_request_id": client_id, "status": status, "duration_ms": round(elapsed * 1000, 2),
                "route": route, "tenant_id": scope.get("state", {}).get("tenant_id")})


class BodySizeLimitMiddleware:
    """413 for bodies over the limit: early by Content-Length, or while streaming when it is absent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._reject(scope, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the route's body read. An HTTPException, because FastAPI re-raises those from
                    # its body parsing but turns anything else into "400 error parsing the body".
                    raise HTTPException(413, f"request body exceeds {self.max_bytes} bytes")
            return message

        await self.app(scope, limited_receive, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        body = json.dumps({"type": "https://benchcrm.dev/problems/payload-too-large", "title": "Content Too Large",
                           "status": 413, "detail": f"request body exceeds {self.max_bytes} bytes",
                           "instance": scope.get("path")}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
