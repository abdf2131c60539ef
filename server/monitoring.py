"""What the county watches: ``/health`` for the load balancer and the service manager,
``/metrics`` in the Prometheus text format, and one structured (JSON) log line per
request that never holds an ID or phone number.

Metrics: requests by route, method and status, their latencies, events pushed by
answer, and, read from the database when scraped (so every worker says the same),
events and refusals held, stations and stations behind. With several worker processes
set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (docs/operations.md): each worker's
counters are then kept there and every scrape adds them up.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import overview
from server.database import ServerConfig

HEALTH_ROUTE = "/health"
METRICS_ROUTE = "/metrics"
METRICS_TOKEN_ENV = "COUNTERDESK_METRICS_TOKEN"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("counterdesk_http_requests_total", "HTTP requests answered",
                   ["route", "method", "status"])
LATENCY = Histogram("counterdesk_http_request_duration_seconds", "Time to answer a request",
                    ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
PUSHED = Counter("counterdesk_events_pushed_total", "Pushed events by the server's answer",
                 ["answer"])

log = logging.getLogger("counterdesk.server")

# 18-character ID numbers (and 15-digit old ones), mobile numbers: never in a log line.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def redact(text: str) -> str:
    """``text`` with ID and mobile numbers replaced by ``[已隐去]``."""
    return _MOBILE.sub("[已隐去]", _ID_NUMBER.sub("[已隐去]", text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the extra fields."""

    _STANDARD = set(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in entry and key != "color_message":
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "") -> None:
    """Send the server's and uvicorn's logs to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("COUNTERDESK_LOG_LEVEL", "INFO"))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # uvicorn's access log would print the raw path and query; ours names the route.
    logging.getLogger("uvicorn.access").disabled = True


def count_push(answers: Iterable[Any]) -> None:
    """Count a push's answers by status (accepted, duplicate, conflict, retry)."""
    tally: dict[str, int] = {}
    for answer in answers:
        status = str(getattr(answer.status, "value", answer.status))
        tally[status] = tally.get(status, 0) + 1
    for status, n in tally.items():
        PUSHED.labels(status).inc(n)


class _DatabaseCollector(Collector):
    """Gauges read from the database at scrape time."""

    def __init__(self, app: FastAPI, config: ServerConfig) -> None:
        self.app = app
        self.config = config

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.app.state.sessions() as session:
            health = overview.health(session, self.config)
        for name, help_text, value in (
            ("counterdesk_events", "Events held by the server", health.events),
            ("counterdesk_refusals", "Pushed events refused for good", health.refusals),
            ("counterdesk_stations", "Stations created", health.stations),
            ("counterdesk_stations_behind", "Enrolled stations not heard from for an hour "
             "or on an old epoch", health.stations_behind),
            ("counterdesk_incomplete_attachments", "Attachments being uploaded",
             health.incomplete_attachments),
            ("counterdesk_healthy", "1 when /health says ok", int(health.ok)),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)


class _Observe:
    """The request log and counters, as plain ASGI: Starlette's ``@app.middleware``
    passes every answer through a task and a memory stream, about a millisecond of a
    sync round's few."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            elapsed = time.perf_counter() - started
            # The router has put the matched route into the scope by now.
            route = getattr(scope.get("route"), "path", "") or "(unmatched)"
            if route != METRICS_ROUTE:
                REQUESTS.labels(route, scope["method"], str(status)).inc()
                LATENCY.labels(route).observe(elapsed)
            log.info("request", extra={"method": scope["method"], "route": route,
                                       "status": status, "ms": round(elapsed * 1000, 1)})


def install(app: FastAPI, config: ServerConfig) -> None:
    """Add /health, /metrics and the request log and counters to ``app``."""
    database = _DatabaseCollector(app, config)

    app.add_middleware(_Observe)

    @app.get(HEALTH_ROUTE, include_in_schema=False)
    async def health() -> JSONResponse:
        def check() -> dict[str, Any]:
            with app.state.sessions() as session:
                found = overview.health(session, config)
            return {"status": "ok" if found.ok else "degraded", "database": found.database,
                    "schema_current": found.schema_current, "epoch": found.epoch,
                    "stations": found.stations, "stations_behind": found.stations_behind,
                    "problems": list(found.problems)}

        try:
            body = await run_in_threadpool(check)
        except Exception as error:  # the database is down: say so, with a 503
            log.error("health check failed", extra={"error": type(error).__name__})
            return JSONResponse({"status": "down", "problems": ["数据库无法访问。"]},
                                status_code=503)
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    @app.get(METRICS_ROUTE, include_in_schema=False)
    async def metrics(request: Request) -> Response:
        token = os.environ.get(METRICS_TOKEN_ENV, "")
        if token and request.headers.get("authorization", "") != f"Bearer {token}":
            return Response("需要监控令牌。\n", status_code=401, media_type="text/plain")

        def scrape() -> bytes:
            registry = REGISTRY
            if os.environ.get(MULTIPROCESS_ENV):
                registry = CollectorRegistry()
                MultiProcessCollector(registry)
            return generate_latest(registry) + generate_latest(_single(database))

        return Response(await run_in_threadpool(scrape), media_type=CONTENT_TYPE_LATEST)


def _single(collector: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
