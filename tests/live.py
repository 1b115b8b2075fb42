"""The web app under a real uvicorn on a free loopback port, in this process (caplog sees its logs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from codex7.config import Settings
from codex7.server.app import build_app, build_server
from tests.corpus import _free_port

HOST = "127.0.0.1"
# (the server build_server made, the port) → the ASGI app to run.
AppMaker = Callable[[Any, int], Any]


def api_app(server: Any, port: int) -> Any:
    """Codex7's routes as `build_app` puts them together, without the web UI."""
    return build_app(server, host=HOST, port=port)


@contextmanager
def live_app(
    settings: Settings, *, worker: bool = False, make_app: AppMaker = api_app
) -> Iterator[str]:
    """`codex7 serve --transport http` in-process: yields the base URL; with WORKER, an
    in-process worker runs queued jobs, as `serve` starts it. MAKE_APP builds the app."""
    port = _free_port()
    server = build_server(settings)
    app = make_app(server, port)
    state = server.holder.hold()
    background: Any = None
    if worker:
        from codex7.services.worker import start_background_worker

        background = start_background_worker(state)
    http = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=http.run, name="live-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not http.started:  # readiness: uvicorn listens and the lifespan has run
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        http.should_exit = True
        thread.join(timeout=30)
        if background is not None:
            background.stop(10)
        server.holder.close()
