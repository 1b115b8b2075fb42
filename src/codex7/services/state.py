"""What the application holds: settings, the database pool, and the lazily loaded embedder.

Every interface (MCP tools, REST API, CLI, eval, the worker) works on one AppState: a server
keeps it in a StateHolder for the life of the process, a CLI command opens one with open_state.

Importing this module is cheap (no psycopg, numpy or search code): `codex7 serve` imports it
before it answers MCP's `initialize`, and opens the database while the client says hello.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codex7 import heap
from codex7.config import Settings
from codex7.errors import ConfigError

if TYPE_CHECKING:
    from codex7.embeddings.base import Embedder
    from codex7.search.retrieve import Weights
    from codex7.store.database import Connection, Database

log = logging.getLogger("codex7.server")

HEALTH_TIMEOUT = 2.0  # seconds /healthz waits for a connection
WARM_UP_JOIN = 0.0  # a closing server does not wait for the model warm-up (cli.main)
# Seconds a server's MCP handshake goes first, at most: the warm-up and, over stdio, the
# database's opening (cli.serve.Opening) wait this long for tools/list.
HANDSHAKE_WAIT = 1.0

_warming: set[threading.Thread] = set()  # warm-ups still running in this process


def warm_up_abandoned() -> bool:
    """Whether a model warm-up is still running after its server stopped waiting for it (a
    torch import cannot be interrupted): the process may end without waiting (cli.main)."""
    return any(t.is_alive() for t in _warming)


class WarmUp:
    """The query model loaded on a thread (load + one tiny embed), and the query path's modules
    imported, so the first question does not pay for them. It starts once `after` is set (the
    server has answered tools/list) or HANDSHAKE_WAIT has passed: the handshake goes first.
    `stop` tells it to give up (nothing is logged after that) and waits a moment for it; a
    stopped warm-up never reports the interpreter's shutdown as a failure."""

    def __init__(self, settings: Settings, after: threading.Event | None = None):
        self.settings = settings
        self._after = after
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="codex7-warm-up", daemon=True)

    def start(self) -> WarmUp:
        _warming.add(self._thread)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            deadline = time.monotonic() + HANDSHAKE_WAIT
            while self._after is not None and not self._after.is_set():
                if self._stopping.wait(0.02) or time.monotonic() > deadline:
                    break
            if self._stopping.is_set():
                return
            from codex7.embeddings.registry import get_query_embedder

            embedder = get_query_embedder(self.settings)
            if not self._stopping.is_set():
                embedder.embed_query("warm up")
            if not self._stopping.is_set():
                from codex7.services import docs  # noqa: F401  the query path's modules
                from codex7.tokens import tiktoken_counter

                tiktoken_counter()("warm up")
                heap.freeze()  # all of it lives as long as the server
        except Exception as exc:
            if not self._stopping.is_set():  # after stop: the interpreter may be going away
                log.warning("embedding model unavailable: %s", exc)
        finally:
            _warming.discard(self._thread)

    def stop(self, timeout: float = WARM_UP_JOIN) -> bool:
        """Stop waiting for the warm-up; True when it has finished."""
        self._stopping.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()


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
        from codex7.search.retrieve import Weights

        return Weights.from_settings(self.settings)

    def query_embedder(self, conn: Connection) -> Embedder | None:
        """The embedder, once its model is known to be the database's (else ModelMismatch)."""
        from codex7.store.embedding_space import check_space

        embedder = self.embedder()
        if embedder is not None:
            check_space(conn, embedder.provider, embedder.model, _dimensions(embedder))
        return embedder

    def check_model(self) -> None:
        """Refuse to start on a database built with another model (without loading it)."""
        from codex7.store.embedding_space import check_space

        embedder = self.embedder()
        provider = embedder.provider if embedder else self.settings.embedding_provider
        model = embedder.model if embedder else self.settings.model_name
        with self.db.pool.connection() as conn:
            check_space(conn, provider, model, self.settings.dimensions)

    def ping(self) -> None:
        """`SELECT 1` within HEALTH_TIMEOUT, else DatabaseError saying why."""
        from codex7.store.database import ping

        with self.db.pool.connection(timeout=HEALTH_TIMEOUT) as conn:
            ping(conn)

    def embedder(self) -> Embedder | None:
        """The query embedder, created on first use; None if it cannot be created (the query
        falls back to keyword search). An unknown provider is a ConfigError naming the known ones.
        For the built-in local model it is the torch-free forward pass (embeddings/light.py).
        """
        with self._lock:
            if self._embedder is None:
                from codex7.embeddings.registry import get_query_embedder

                try:
                    self._embedder = get_query_embedder(self.settings)
                except ConfigError:
                    raise
                except Exception as exc:
                    log.warning("embedding model unavailable: %s", exc)
                    return None
            return self._embedder

    def close(self) -> None:
        """Close the pool (and let go of the embedded server)."""
        self.db.close()


def open_state(settings: Settings, *, migrate: bool | None = None) -> AppState:
    """The state for one CLI command: the database opened (migrated unless told not to), the
    model loaded on first use. The caller closes it (`state.close()`)."""
    from codex7.store.database import open_database

    return AppState(settings=settings, db=open_database(settings, migrate=migrate))


class StateHolder:
    """The process's one AppState, for MCP sessions and REST routes alike.

    `codex7 serve` holds it for the life of the process (`hold`, then `close` at exit): an SSE
    client that disconnects ends its session, never the pool other sessions use. An in-process
    client (`codex7 query`) opens it with its session and closes it when the last one ends.
    Over stdio, `serve` keeps it (`keep`) and opens it on a thread while the MCP handshake goes
    on: `get` waits for an opening in progress (one lock), so a tool call simply waits for it.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._state: AppState | None = None
        self._lock = threading.RLock()
        self._sessions = 0
        self._held = False
        self._at_exit = False
        self._remote = False
        self._warm_up: WarmUp | None = None
        self._warm_lock = threading.Lock()
        self._started: Any = None  # the embedded server, started ahead of `get` (prestart)
        # Set once a client has been sent the tools (server.app) or its session has ended: the
        # work `serve` leaves until after the handshake may go (WarmUp, cli.serve.Opening).
        self.listed = threading.Event()

    def get(self) -> AppState:
        with self._lock:
            if self._state is None:
                from codex7.store.database import open_database

                started, self._started = self._started, None  # open_database owns it now
                db = open_database(
                    self.settings,
                    statement_timeout=self.settings.statement_timeout,
                    started=started,
                )
                self._state = AppState(settings=self.settings, db=db, remote=self._remote)
                if not self._at_exit:
                    atexit.register(self.close)  # whatever else happens, the pool closes at exit
                    self._at_exit = True
                self.warm_up()
            return self._state

    def prestart(self) -> None:
        """Start the embedded PostgreSQL now (nothing for DATABASE_URL); `get` opens it later.
        The slow part of opening, with little Python: it overlaps a server's MCP handshake."""
        with self._lock:
            if self._state is None and self._started is None:
                from codex7.store.database import start_server

                self._started = start_server(self.settings)

    def first_start(self) -> bool:
        """Whether opening will create the embedded database (initdb): the data dir is new."""
        return not self.settings.database_url and not (self.settings.pgdata / "PG_VERSION").exists()

    def warm_up(self) -> None:
        """Load the query model in the background (once, when the settings ask for it). Its own
        lock: an opening in progress (which may wait for the embedded server) never delays it."""
        with self._warm_lock:
            if self.settings.warm_up and self._warm_up is None:
                self._warm_up = WarmUp(self.settings, after=self.listed).start()

    @property
    def held(self) -> bool:
        """Whether the process holds the state (sessions neither open nor close it)."""
        return self._held

    def serve_remote(self) -> None:
        """From now on the state answers remote callers only (see AppState.remote)."""
        with self._lock:
            self._remote = True
            if self._state is not None:
                self._state.remote = True

    def keep(self) -> None:
        """Hold the state for the life of the process, without opening it yet."""
        with self._lock:
            self._held = True

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
        with self._warm_lock:
            warm_up, self._warm_up = self._warm_up, None
        if warm_up is not None:
            warm_up.stop()  # no wait: a model still loading is left to the exit (cli.main)
        with self._lock:
            state, self._state = self._state, None
            started, self._started = self._started, None
            self._held = False
            try:
                if state is not None:
                    state.db.close()
            finally:
                if started is not None:
                    from codex7.store.database import release_server

                    release_server(started)
