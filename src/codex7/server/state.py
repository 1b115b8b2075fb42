"""What a running server holds: settings, the database pool, and the lazily loaded embedder."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from codex7.config import Settings
from codex7.embeddings.base import Embedder
from codex7.search.docs import DocsResult, library_docs
from codex7.search.retrieve import Weights
from codex7.store.database import Database, open_database

log = logging.getLogger("codex7.server")


@dataclass
class ServerState:
    settings: Settings
    db: Database
    _embedder: Embedder | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def weights(self) -> Weights:
        return Weights.from_settings(self.settings)

    def docs(
        self,
        library_id: str,
        query: str | None,
        tokens: int | None,
        version: str | None = None,
    ) -> DocsResult:
        """Documentation for one query, as every interface (MCP, REST, eval) serves it."""
        with self.db.pool.connection() as conn:
            return library_docs(
                conn,
                self.embedder,
                library_id,
                query,
                tokens,
                self.weights,
                self.settings.default_tokens,
                version=version,
            )

    def embedder(self) -> Embedder | None:
        """The query embedder, created on first use; None if it cannot be created."""
        with self._lock:
            if self._embedder is None:
                from codex7.embeddings import get_embedder

                try:
                    self._embedder = get_embedder(self.settings)
                except Exception as exc:
                    log.warning("embedding model unavailable: %s", exc)
                    return None
            return self._embedder

    def warm_up(self) -> None:
        """Load the model in the background so the first query doesn't pay for it."""

        def run() -> None:
            emb = self.embedder()
            if emb is not None:
                try:
                    emb.embed_query("warm up")
                except Exception as exc:
                    log.warning("embedding model failed to load: %s", exc)

        threading.Thread(target=run, name="codex7-warm-up", daemon=True).start()


class StateHolder:
    """Opens the database once, on first use, for MCP tools and REST routes alike."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._state: ServerState | None = None
        self._lock = threading.Lock()

    def get(self) -> ServerState:
        with self._lock:
            if self._state is None:
                self._state = ServerState(settings=self.settings, db=open_database(self.settings))
                if self.settings.warm_up:
                    self._state.warm_up()
            return self._state

    def close(self) -> None:
        with self._lock:
            if self._state is not None:
                self._state.db.close()
                self._state = None
