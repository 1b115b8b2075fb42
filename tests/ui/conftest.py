"""The web UI under a real uvicorn (the app `codex7 serve --transport http` runs, built by
`codex7.cli.serve.web_app`) and a real headless Chromium (Debian's `chromium` package, driven by
Playwright's Python package; no browser is downloaded).

One server and one browser per test module. The embedder is the fake one behind a gate: a test
closes the gate to hold an indexing job in its embedding stage (to watch its live progress or
cancel it) and opens it to let the job finish.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from codex7.cli.serve import web_app
from codex7.config import Settings
from codex7.embeddings import registry
from codex7.store.migrate import migrate
from tests.fakes import FakeEmbedder
from tests.live import HOST, live_app
from tests.paths import REPO

# Read at import: the autouse clean_environ fixture removes CODEX7_* variables from each test.
UPDATE_SCREENSHOTS = os.environ.get("CODEX7_UPDATE_SCREENSHOTS") == "1"
SCREENSHOTS = REPO / "docs" / "images"
CHROMIUM = os.environ.get("CODEX7_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ADMIN = "c7-ui-admin-key"
READER = "c7-ui-reader-key"


class Gate:
    """Holds every embedding call while closed (a model at work that a test controls)."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self.waiting = threading.Event()  # set once a call waits at the closed gate

    def close(self) -> None:
        self.waiting.clear()
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def wait(self) -> None:
        if not self._open.is_set():
            self.waiting.set()
            assert self._open.wait(60), "the test never opened the embedding gate"


class GatedEmbedder(FakeEmbedder):
    def __init__(self, gate: Gate):
        super().__init__()
        self.gate = gate

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.gate.wait()
        return super().embed_batch(texts)


@pytest.fixture(scope="module")
def gate() -> Iterator[Gate]:
    gate = Gate()
    registry.register_provider("fake", lambda settings: GatedEmbedder(gate))
    yield gate
    gate.open()
    registry.unregister_provider("fake")


@pytest.fixture(scope="module")
def module_db(make_database: Callable[[], str]) -> str:
    url = make_database()
    migrate(url)
    return url


def ui_settings(db_url: str, data_dir: Path, **extra: Any) -> Settings:
    """Settings from these values only: no developer variable or .env leaks in (the autouse
    clean_environ fixture does not run before module fixtures)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("CODEX7_") or key in ("DATABASE_URL", "OPENAI_API_KEY"):
                mp.delenv(key)
        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=db_url,
            data_dir=data_dir,
            embedding_provider="fake",
            embedding_model="fake-8",
            warm_up=False,
            worker_poll=0.1,
            **extra,
        )


def live_ui(settings: Settings, *, worker: bool = False) -> AbstractContextManager[str]:
    """The web app as `codex7 serve --transport http` builds it, on a free loopback port;
    yields the base URL. With WORKER, an in-process worker runs queued jobs."""
    return live_app(
        settings, worker=worker, make_app=lambda server, port: web_app(server, HOST, port)
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        f"No Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) "
        "or set CODEX7_CHROMIUM to its path."
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at a laptop's size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def snap(page: Any, name: str) -> None:
    """docs/images/ui-NAME.png, when CODEX7_UPDATE_SCREENSHOTS=1 (CI leaves the tree alone)."""
    if UPDATE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"ui-{name}.png"), full_page=True)


def sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/ui/login")
    page.get_by_label("API or admin key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/ui")
