"""A per-client request budget (sliding window), kept in the worker's memory.

Each worker process keeps its own counts, so with N workers a client may make up to N
times the budget; the reverse proxy's ``limit_req`` (docs/operations.md) is the
county-wide limit, this one keeps a single process from being flooded."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, *, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count one request of ``client``; False when its budget is spent."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= self.max_clients:
                    self._forget_idle(now)
                hits = self._hits[client] = deque()
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, h in self._hits.items() if not h or now - h[-1] > self.window]:
            del self._hits[client]
        if len(self._hits) >= self.max_clients:  # all busy: start afresh rather than grow
            self._hits.clear()
