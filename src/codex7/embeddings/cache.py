"""A file cache of embeddings keyed by model and content hash, outliving any one database.

Re-chunking, a new database or a re-index after a crash then embeds only text the model has
never seen. SQLite (stdlib) under the data directory; vectors are float32 blobs.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    space   TEXT NOT NULL,
    hash    TEXT NOT NULL,
    vector  BLOB NOT NULL,
    PRIMARY KEY (space, hash)
) WITHOUT ROWID
"""
_GET = (
    "SELECT hash, vector FROM vectors WHERE space = ? AND hash IN (SELECT value FROM json_each(?))"
)
_BATCH = 500


def space_key(provider: str, model: str, dimensions: int | None) -> str:
    """One vector space: the same model at another dimension is another space."""
    return f"{provider}:{model}:{dimensions or ''}"


class EmbeddingCache:
    """`get_many`/`put_many` by content hash within one embedding space; safe across threads."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get_many(self, space: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(hashes), _BATCH):
                part = json.dumps(list(hashes[start : start + _BATCH]))
                rows = self._db.execute(_GET, (space, part)).fetchall()
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, space: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(space, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items]
        if not rows:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
            self._db.commit()

    def count(self, space: str | None = None) -> int:
        with self._lock:
            if space is None:
                row = self._db.execute("SELECT count(*) FROM vectors").fetchone()
            else:
                row = self._db.execute(
                    "SELECT count(*) FROM vectors WHERE space = ?", (space,)
                ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
