"""Counters of an indexing run, reported to a callback (the CLI draws them) and to the job row."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Progress:
    stage: str = "reading"  # reading → chunking → embedding → publishing → done
    files_total: int = 0
    files_done: int = 0
    chunks: int = 0
    to_embed: int = 0
    embedded: int = 0
    reused: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


ProgressCallback = Callable[[Progress], None]


class Reporter:
    """Calls `on_progress` on every change and `persist` at most once per `interval` seconds."""

    def __init__(
        self,
        progress: Progress,
        on_progress: ProgressCallback | None,
        persist: ProgressCallback | None,
        interval: float = 1.0,
    ):
        self.progress = progress
        self._on_progress = on_progress
        self._persist = persist
        self._interval = interval
        self._last = 0.0

    def update(self, *, force: bool = False, **changes: object) -> None:
        for key, value in changes.items():
            setattr(self.progress, key, value)
        if self._on_progress:
            self._on_progress(self.progress)
        now = time.monotonic()
        if self._persist and (force or now - self._last >= self._interval):
            self._last = now
            self._persist(self.progress)
