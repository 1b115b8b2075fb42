"""What the application holds: settings, the database pool, and the lazily loaded embedder.

Every interface (MCP tools, REST API, CLI, eval, the worker) works on one AppState: a server
keeps it in a StateHolder for the life of the process, a CLI command opens one with open_state.
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass, field

from codex7.config import Settings
from codex7.embeddings.base import Embedder
from codex7.errors import Codex7Error, ConfigError
from codex7.search.retrieve import Weights
from codex7.store.database import Connection, Database, open_database, ping
from codex7.store.embedding_space import check_space

log = logging.getLogger("codex7.server")

HEALTH_TIMEOUT = 2.0  # seconds /healthz waits for a connection


def _dimensions(embedder: Embedder) -> int | None:
    try:
        return embedder.dimensions
    except Exception:  # the model failed to load: the query falls back to keyword search
        return None


@dataclass
class AppState:
    settings: Settings
    db: Database
    _embedder: Embedder | None = None
    # Serves remote callers (the web app): every service call must name its caller
    # (codex7.services.auth.acting), never fall back to the local user.
    remote: bool = False
    # A key has existed (codex7.services.auth): anonymous callers stay refused, even while the
    # database cannot be asked.
    keys_seen: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def weights(self) -> Weights:
        return Weights.from_settings(self.settings)

    def query_embedder(self, conn: Connection) -> Embedder | None:
        """The embedder, once its model is known to be the database's (else ModelMismatch)."""
        embedder = self.embedder()
        if embedder is not None:
            check_space(conn, embedder.provider, embedder.model, _dimensions(embedder))
        return embedder

    def check_model(self) -> None:
        """Refuse to start on a database built with another model (without loading it)."""
        embedder = self.embedder()
        provider = embedder.provider if embedder else self.settings.embedding_provider
        model = embedder.model if embedder else self.settings.model_name
        with self.db.pool.connection() as conn:
            check_space(conn, provider, model, self.settings.dimensions)

    def ping(self) -> None:
        """`SELECT 1` within HEALTH_TIMEOUT, else DatabaseError saying why."""
        with self.db.pool.connection(timeout=HEALTH_TIMEOUT) as conn:
            ping(conn)

    def embedder(self) -> Embedder | None:
        """The query embedder, created on first use; None if it cannot be created (the query
        falls back to keyword search). An unknown provider is a ConfigError naming the known ones.
        """
        with self._lock:
            if self._embedder is None:
                from codex7.embeddings import get_embedder

                try:
                    self._embedder = get_embedder(self.settings)
                except ConfigError:
                    raise
                except Exception as exc:
                    log.warning("embedding model unavailable: %s", exc)
                    return None
            return self._embedder

    def warm_up(self) -> None:
        """Load the model in the background so the first query doesn't pay for it."""

        def run() -> None:
            try:
                emb = self.embedder()
            except Codex7Error as exc:
                log.warning("embedding model unavailable: %s", exc)
                return
            if emb is not None:
                try:
                    emb.embed_query("warm up")
                except Exception as exc:
                    log.warning("embedding model failed to load: %s", exc)

        threading.Thread(target=run, name="codex7-warm-up", daemon=True).start()

    def close(self) -> None:
        """Close the pool (and let go of the embedded server)."""
        self.db.close()


def open_state(settings: Settings, *, migrate: bool | None = None) -> AppState:
    """The state for one CLI command: the database opened (migrated unless told not to), the
    model loaded on first use. The caller closes it (`state.close()`)."""
    return AppState(settings=settings, db=open_database(settings, migrate=migrate))


class StateHolder:
    """The process's one AppState, for MCP sessions and REST routes alike.

    `codex7 serve` holds it for the life of the process (`hold`, then `close` at exit): an SSE
    client that disconnects ends its session, never the pool other sessions use. An in-process
    client (`codex7 query`) opens it with its session and closes it when the last one ends.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._state: AppState | None = None
        self._lock = threading.RLock()
        self._sessions = 0
        self._held = False
        self._at_exit = False
        self._remote = False

    def get(self) -> AppState:
        with self._lock:
            if self._state is None:
                db = open_database(self.settings, statement_timeout=self.settings.statement_timeout)
                self._state = AppState(settings=self.settings, db=db, remote=self._remote)
                if not self._at_exit:
                    atexit.register(self.close)  # whatever else happens, the pool closes at exit
                    self._at_exit = True
                if self.settings.warm_up:
                    self._state.warm_up()
            return self._state

    def serve_remote(self) -> None:
        """From now on the state answers remote callers only (see AppState.remote)."""
        with self._lock:
            self._remote = True
            if self._state is not None:
                self._state.remote = True

    def hold(self) -> AppState:
        """Open the state for the life of the process; sessions no longer close it."""
        with self._lock:
            self._held = True
            return self.get()

    def enter_session(self) -> AppState:
        with self._lock:
            state = self.get()
            self._sessions += 1
            return state

    def leave_session(self) -> None:
        with self._lock:
            self._sessions -= 1
            if self._sessions <= 0 and not self._held:
                self.close()

    def close(self) -> None:
        with self._lock:
            state, self._state = self._state, None
            self._held = False
            if state is not None:
                state.db.close()
