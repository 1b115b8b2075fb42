"""Read replicas for the query path: each replica tried in turn, the primary when none answers.

A replica that fails a checkout (or loses its connection mid-query) is skipped for
`retry_after` seconds, so one dead replica costs one short wait, not one per query. Writes never
come here: the job queue, publishing, audit and query logs use the primary pool.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from codex7.errors import DatabaseError

REPLICA_TIMEOUT = 1.0  # seconds a query waits for a replica's connection before moving on


class Readers:
    """Replica pools in round-robin order, skipping those that failed recently."""

    def __init__(self, replicas: list[Any], primary: Any, retry_after: float = 10.0):
        self.replicas = replicas
        self.primary = primary
        self.retry_after = retry_after
        self._down_until: dict[int, float] = {}
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def _candidates(self) -> list[Any]:
        now = time.monotonic()
        with self._lock:
            start = next(self._turn)
            n = len(self.replicas)
            order = [self.replicas[(start + i) % n] for i in range(n)]
            return [p for p in order if self._down_until.get(id(p), 0.0) <= now]

    def _mark_down(self, pool: Any) -> None:
        with self._lock:
            self._down_until[id(pool)] = time.monotonic() + self.retry_after

    def healthy(self) -> list[str]:
        """Locations of the replicas not currently skipped."""
        return [p.location for p in self._candidates()]

    @contextmanager
    def connection(self) -> Iterator[Any]:
        for pool in self._candidates():
            stack = ExitStack()
            try:
                conn = stack.enter_context(pool.connection(timeout=REPLICA_TIMEOUT))
            except DatabaseError:
                stack.close()
                self._mark_down(pool)
                continue
            try:
                with stack:
                    yield conn
            except DatabaseError:
                self._mark_down(pool)  # lost mid-query: the caller sees the error, later ones don't
                raise
            return
        with self.primary.connection() as conn:
            yield conn

    def close(self) -> None:
        for pool in self.replicas:
            pool.close()
