"""A team server: two workspaces each with a private /acme/docs, a private handbook, a public
library, and keys of both scopes; served over real HTTP with a rate limiter on a clock the test
moves."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from codex7.api.ratelimit import RateLimiter
from codex7.config import Settings
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.server.app import build_app
from codex7.services.auth import ADMIN, READ, Principal
from codex7.services.state import AppState, open_state
from codex7.services.workspaces import create_key, create_workspace
from tests.fakes import FakeEmbedder, fake_settings
from tests.live import HOST, live_app

ENV_ADMIN = "env-admin-key-for-team-tests"
OPERATOR = Principal(None, "local", frozenset({READ, ADMIN}))


@pytest.fixture(autouse=True)
def _fake_embedder(fake_provider: None) -> None:
    """Every team test embeds with the fake provider (tests/fakes.py)."""


def team_settings(settings: Settings, **extra: Any) -> Settings:
    return fake_settings(settings, **{"admin_keys": SecretStr(ENV_ADMIN), **extra})


class Clock:
    """A monotonic clock the test moves: rate limits recover without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Team:
    alpha: int
    beta: int
    keys: dict[str, str]  # alpha-read, alpha-admin, beta-read, beta-admin, env-admin
    prefixes: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


def write_docs(root: Path, pages: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (root / name).write_text(text)
    return root


def index_into(
    state: AppState,
    tmp_path: Path,
    library: str,
    pages: dict[str, str],
    *,
    workspace: int | None,
    private: bool | None,
    version: str = "1.0",
) -> None:
    slug = f"{library.strip('/').replace('/', '_')}-{workspace}-{version}"
    folder = write_docs(tmp_path / "docs" / slug, pages)
    req = IndexRequest(
        str(folder),
        library,
        version=version,
        workspace_id=workspace,
        private=private,
        actor="test",
    )
    index_version(state.db, FakeEmbedder("fake-8"), req, cache_dir=tmp_path / "git")


def make_team(state: AppState, tmp_path: Path) -> Team:
    alpha = create_workspace(state, "alpha", principal=OPERATOR).id
    beta = create_workspace(state, "beta", principal=OPERATOR).id
    keys: dict[str, str] = {"env-admin": ENV_ADMIN}
    prefixes: dict[str, str] = {}
    for name in ("alpha", "beta"):
        for scope in ("read", "admin"):
            made = create_key(state, name, scope, principal=OPERATOR, name=f"{name}-{scope}")
            keys[f"{name}-{scope}"] = made.key
            prefixes[f"{name}-{scope}"] = made.row.prefix
    index_into(
        state,
        tmp_path,
        "/acme/docs",
        {"index.md": "# Alpha docs\n\nThe zorblax setting is ALPHASECRET for turbines.\n"},
        workspace=alpha,
        private=True,
    )
    index_into(
        state,
        tmp_path,
        "/acme/docs",
        {"index.md": "# Beta docs\n\nThe zorblax setting is BETASECRET for turbines.\n"},
        workspace=beta,
        private=True,
        version="2.0",
    )
    index_into(
        state,
        tmp_path,
        "/acme/handbook",
        {"index.md": "# Handbook\n\nOnboarding steps, HANDBOOKSECRET inside.\n"},
        workspace=alpha,
        private=True,
    )
    index_into(
        state,
        tmp_path,
        "/pub/widgets",
        {"index.md": "# Widgets\n\nWidgets render turbines and reports.\n"},
        workspace=None,
        private=None,
    )
    return Team(alpha, beta, keys, prefixes)


@pytest.fixture
def team_state(settings: Settings) -> Iterator[AppState]:
    state = open_state(team_settings(settings))
    yield state
    state.close()


@pytest.fixture
def team(team_state: AppState, tmp_path: Path) -> Team:
    return make_team(team_state, tmp_path)


def serve(
    settings: Settings, *, limiter: RateLimiter | None = None, worker: bool = False
) -> AbstractContextManager[str]:
    """The web app under a real uvicorn on a free loopback port; yields its base URL."""

    def make_app(server: Any, port: int) -> Any:
        return build_app(server, host=HOST, port=port, limiter=limiter)

    return live_app(settings, worker=worker, make_app=make_app)


@pytest.fixture
def served(team: Team, settings: Settings) -> Iterator[tuple[str, Team]]:
    with serve(team_settings(settings)) as base:
        yield base, team


def poll(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
