"""`codex7 serve`: the MCP server over stdio (default), or the web app (MCP over streamable HTTP
and SSE, the REST and management APIs) with an in-process indexing worker.

Over HTTP the database opens before serving; over stdio it opens on a thread while the MCP
server loads and answers `initialize` and `tools/list` (a tool call waits for it), and the query
model warms up meanwhile. Either way its errors are one line, exit 1, and it closes when the
process ends, however it ends: SIGINT, SIGTERM and SIGHUP stop the server normally, so the pool
closes and an embedded PostgreSQL this process started is stopped when no other process uses it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import click

from codex7.cli.context import load_settings
from codex7.errors import ConfigError

SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACEFUL_SECONDS = 5  # open HTTP streams (SSE) get this long to finish on shutdown
WORKER_STOP_SECONDS = 10  # the in-process worker gets this long to put its job back


@contextmanager
def on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """While serving, SIGINT, SIGTERM and SIGHUP call `stop` instead of killing the process."""

    def handler(signum: int, frame: Any) -> None:
        stop()

    previous = {sig: signal.signal(sig, handler) for sig in SHUTDOWN_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _on_loop(token: Any, func: Callable[..., object], *args: object) -> bool:
    """Run `func` on the event loop from another thread; False once the server has stopped."""
    try:
        anyio.from_thread.run_sync(func, *args, token=token)
    except (anyio.RunFinishedError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        return False
    return True


def read_lines(fd: int) -> Iterator[bytes]:
    """Lines from a file descriptor, read with os.read: no Python-level lock is held while
    waiting, so the interpreter can exit while this waits."""
    pending = b""
    while chunk := os.read(fd, 65536):
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            yield line + b"\n"
    if pending:
        yield pending


class StdinLines:
    """stdin for the MCP stdio transport, read by a daemon thread.

    The SDK's own reader waits in a worker thread that nothing can interrupt, so a signal could
    not end the server while a read is pending; this reader is simply left behind.
    """

    def __init__(self, fd: int):
        self._fd = fd
        self._send, self._receive = anyio.create_memory_object_stream[str](math.inf)

    def start(self) -> None:
        token = anyio.lowlevel.current_token()
        threading.Thread(target=self._pump, args=(token,), name="codex7-stdin", daemon=True).start()

    def _pump(self, token: Any) -> None:
        try:
            for raw in read_lines(self._fd):
                line = raw.decode("utf-8", errors="replace")
                if not _on_loop(token, self._send.send_nowait, line):
                    return
        except OSError:
            pass  # stdin went away: the same as its end
        _on_loop(token, self._send.close)

    def __aiter__(self) -> StdinLines:
        return self

    async def __anext__(self) -> str:
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


def endpoint(transport: str, host: str, port: int) -> str | None:
    """Where MCP clients connect (None for stdio)."""
    paths = {"http": "/mcp", "sse": "/sse"}
    return f"http://{_bracket(host)}:{port}{paths[transport]}" if transport in paths else None


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def exposure_warning(host: str, access: Any) -> str | None:
    """A warning when the server listens beyond this machine and anyone may call it."""
    if host in LOOPBACK_HOSTS or host.startswith("127.") or not access.anonymous:
        return None
    keyless = "with no API key" if not access.keys else "with anonymous access on"
    return (
        f"WARNING: listening on {host} {keyless}: anyone who can reach this address reads every "
        "public library. Create a key (codex7 keys create --workspace default --scope admin) or "
        "set CODEX7_API_KEYS, or serve on 127.0.0.1 behind a TLS proxy (docs/team.md)."
    )


def banner(
    settings: Any,
    location: str,
    transport: str,
    url: str | None,
    worker: bool = False,
    access: Any = None,
) -> list[str]:
    """What `serve` says on stderr when it starts (never a password: `location` is redacted)."""
    where = {"stdio": "stdio", "sse": "SSE", "http": "streamable HTTP"}[transport]
    other = {"http": " (legacy SSE at /sse)", "sse": " (streamable HTTP at /mcp)"}
    loading = " (loading in the background)" if settings.warm_up else ""
    lines = [
        f"serving MCP over {where}" + (f" at {url}{other[transport]}" if url else ""),
        f"database: {location}",
        f"embedding model: {settings.embedding_provider} {settings.model_name}{loading}",
    ]
    if worker:
        lines.append("worker: indexing queued jobs in this process (--no-worker to leave them)")
    if transport == "stdio":
        return lines
    if not worker:
        lines.append("worker: none in this process; queued jobs wait for `codex7 worker`")
    lines.append("REST API at /api, management API at /api/manage, health at /healthz")
    lines.append(f"web UI at {url.rsplit('/', 1)[0]}/ui" if url else "web UI at /ui")
    keys = access.keys if access else len(settings.api_key_digests)
    anonymous = access.anonymous if access else not keys
    if not keys and anonymous:
        lines.append(
            "API keys: not required (create one with `codex7 keys create` or set "
            "CODEX7_API_KEYS; docs/team.md)"
        )
    else:
        who = "anonymous callers read public libraries" if anonymous else "others are refused"
        lines.append(f"API keys: {keys} usable, on /mcp, /sse, /api and /ui; {who}")
    admins = access.admins if access else bool(settings.admin_key_digests)
    if admins:
        lines.append("admin keys: configured; changes through /api/manage need one")
    else:
        lines.append("admin keys: none, so /api/manage is read-only (set CODEX7_ADMIN_KEYS)")
    return lines


def _say(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"codex7: {line}", err=True)


def _start_worker(state: Any) -> Any:
    """The in-process indexing worker, logging a line per job."""
    from codex7.services.worker import start_background_worker

    logging.getLogger("codex7.worker").setLevel(logging.INFO)
    return start_background_worker(state)


def _stop_worker(background: Any) -> None:
    """A running job stops at its next checkpoint and goes back to the queue."""
    if background is not None:
        background.stop(WORKER_STOP_SECONDS)


class Opening:
    """Opens a held state on a thread: the database (the embedded server, migrations when the
    database lacks one, the pool), the model and workspace checks, then the worker if asked."""

    def __init__(self, holder: Any, worker: bool, eager: bool = False):
        self.holder, self.worker, self.eager = holder, worker, eager
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.location = ""
        self.background: Any = None
        self._thread = threading.Thread(target=self._run, name="codex7-open", daemon=True)

    def start(self) -> Opening:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.holder.prestart()  # the embedded PostgreSQL starts while the SDK loads
            if not self.eager:
                from codex7.services.state import HANDSHAKE_WAIT

                # The rest is Python (psycopg, numpy, migrations, the pool): after the handshake.
                self.holder.listed.wait(HANDSHAKE_WAIT)
            state = self.holder.hold()
            state.check_model()
            from codex7.services.auth import local_principal

            local_principal(state)  # an unknown --workspace fails here, in one line
            self.location = state.db.location
            if self.worker:
                self.background = _start_worker(state)
        except BaseException as exc:  # raised in the main thread once the session has ended
            self.error = exc
        finally:
            self.done.set()

    def finish(self) -> None:
        """Wait for an opening in progress (it cannot be interrupted halfway), stop the worker."""
        self._thread.join()
        _stop_worker(self.background)


async def _serve_stdio(server: Any, opening: Opening, ready: Callable[[], None]) -> None:
    """One MCP session over stdio, until stdin ends, a signal arrives or the database fails to
    open; `ready` once the database is open too."""
    from codex7.server.app import run_stdio

    loop = asyncio.get_running_loop()
    with anyio.CancelScope() as scope:

        def stop() -> None:
            try:
                loop.call_soon_threadsafe(scope.cancel)
            except RuntimeError:
                pass  # the loop has already ended

        async def opened() -> None:
            await anyio.to_thread.run_sync(opening.done.wait, abandon_on_cancel=True)
            if opening.error is not None:
                scope.cancel()  # serve raises the error once the session has ended
            else:
                ready()

        with on_signals(stop):
            try:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(opened)
                    await run_stdio(server, _stdin_lines())
                    tasks.cancel_scope.cancel()
            finally:
                server.holder.listed.set()  # the session is over: the opening goes on now


def _run_stdio(settings: Any, worker: bool, started: float) -> None:
    """`serve` over stdio: the database opens while the MCP server loads and says hello."""
    from codex7.services.state import StateHolder

    holder = StateHolder(settings)
    holder.keep()
    # A new data dir: initdb, a first start and every migration take seconds. The handshake
    # waits for them, so that a short first session never ends (and gets killed by its client)
    # halfway through; otherwise the database opens while the client says hello.
    first_start = holder.first_start()
    opening = Opening(holder, worker, eager=first_start).start()  # overlaps the MCP imports
    try:
        from codex7.server.app import build_server

        server = build_server(settings, holder)
        holder.warm_up()  # the query model loads once tools/list is answered
        if first_start:
            opening.done.wait()

        def ready() -> None:
            lines = banner(settings, opening.location, "stdio", None, worker)
            _say([*lines, f"ready in {time.monotonic() - started:.1f}s"])

        anyio.run(_serve_stdio, server, opening, ready)
    finally:
        try:
            opening.finish()
        finally:
            holder.close()
    if opening.error is not None:
        raise opening.error


def _stdin_lines() -> StdinLines | None:
    """Our reader on the real stdin; None (the SDK's reader) when stdin is not a file."""
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    lines = StdinLines(fd)
    lines.start()
    return lines


def check_port(host: str, port: int) -> None:
    """Fail in one line, before the database starts, if HOST:PORT cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"Cannot listen on {host}:{port}: {exc.strerror or exc}; "
                "choose another --port or --host, or stop what is using it."
            ) from None


def web_app(server: Any, host: str, port: int) -> Any:
    """The web app `serve --transport http|sse` runs: Codex7's routes and the web UI at /ui."""
    from codex7.api.security import transport_security
    from codex7.server.app import build_app
    from codex7.ui import ui_routes

    # One Host/Origin policy (DNS rebinding) for /mcp, /sse, /api and /ui, also under 0.0.0.0.
    policy = transport_security(host, port, server.holder.settings.public_hosts)
    ui = ui_routes(server.holder, policy)
    return build_app(server, host=host, port=port, security=policy, extra_routes=ui)


def _serve_http(server: Any, host: str, port: int, ready: Callable[[], None]) -> None:
    """uvicorn on our web app until a signal arrives; `ready` once it listens."""
    import uvicorn

    app = web_app(server, host, port)
    logging.getLogger("codex7.access").setLevel(logging.INFO)

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                ready()

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=GRACEFUL_SECONDS
    )
    http = Server(config)

    def stop() -> None:
        http.should_exit = True

    async def run() -> None:
        # uvicorn handles SIGINT/SIGTERM itself while serving, then re-raises them: ours
        # (back in place by then) only asks it to stop, which it already has.
        with on_signals(stop):
            await http.serve()

    anyio.run(run)


@click.command()
@click.option(
    "--transport",
    type=click.Choice(["stdio", "sse", "http"]),
    default="stdio",
    show_default=True,
    help="stdio for editors that spawn the server; http (streamable HTTP at /mcp) or sse (/sse) to serve a team.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface for http/sse.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port for http/sse.")
@click.option(
    "--workspace",
    metavar="NAME",
    help="stdio: act in this workspace (its private libraries are visible; default "
    "CODEX7_WORKSPACE). Over HTTP each caller's key decides.",
)
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Index queued jobs in this process. Default: on for http/sse, off for stdio (an "
    "editor's subprocess should not index); --no-worker when `codex7 worker` runs elsewhere.",
)
def serve(transport: str, host: str, port: int, worker: bool | None, workspace: str | None) -> None:
    """Serve the indexed documentation over MCP (resolve-library-id, query-docs, get-library-docs).

    http and sse serve one web app: MCP at /mcp and /sse, Context7's REST API under /api, the
    management API under /api/manage, /healthz.
    """
    started = time.monotonic()
    # Before numpy loads: no OpenBLAS thread pool. A question's matrices are small, and a fork
    # (pg_ctl) while another thread multiplies would wait for that pool forever when
    # subprocess cannot use vfork (running as root, pg_ctl runs as another user).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # stdout belongs to MCP frames in stdio mode: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="codex7: %(message)s")
    settings = load_settings()
    if workspace:
        settings = settings.model_copy(update={"workspace": workspace})
    if worker is None:
        worker = transport != "stdio"
    if transport == "stdio":
        _run_stdio(settings, worker, started)
        return
    from codex7.server.app import build_server

    server = build_server(settings)
    url = endpoint(transport, host, port)
    check_port(host, port)
    background = None
    try:
        state = server.holder.hold()  # fails here, in one line, if the database is unreachable
        state.check_model()
        from codex7.services.auth import access

        allowed = access(state)
        lines = banner(settings, state.db.location, transport, url, worker, allowed)
        warning = exposure_warning(host, allowed)
        if warning:
            _say([warning])
        if worker:
            background = _start_worker(state)

        def ready() -> None:
            _say([*lines, f"ready in {time.monotonic() - started:.1f}s"])

        _serve_http(server, host, port, ready)
    finally:
        try:
            _stop_worker(background)
        finally:
            server.holder.close()
