"""Request ids, structured JSON logs with PII masked, Prometheus RED metrics, and the request size limit.

Pure ASGI middlewares (no BaseHTTPMiddleware): they do not buffer bodies and keep streaming intact.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import PROBLEM_MEDIA_TYPE, ProblemError

access_log = logging.getLogger("serving.access")

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d\s().-]{7,}\d)(?![\w-])")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def mask_pii(text: str) -> str:
    """a***@example.com, and phone numbers reduced to their last two digits."""
    text = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m[1])[-2:], text)


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


class RequestContextMiddleware:
    """Assigns the request id (honours a sane incoming X-Request-ID), logs one JSON line, records metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            access_log.info("%s %s %s", scope["method"], scope["path"], status, extra={
                "request_id": request_id, "status": status, "duration_ms": round(elapsed * 1000, 2),
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
                    # raised inside the route's body read, so the app's problem handler answers it
                    raise ProblemError(413, "payload-too-large", "Content Too Large",
                                       f"request body exceeds {self.max_bytes} bytes")
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
