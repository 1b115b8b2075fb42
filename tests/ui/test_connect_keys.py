"""The connect page asks for a key whenever the server wants one: with keys made by
`codex7 keys create` (stored in the database) as much as with keys from the environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from codex7.services.auth import ADMIN, READ, Principal
from codex7.services.state import open_state
from codex7.services.workspaces import create_key, create_workspace
from tests.ui.conftest import Gate, live_ui, sign_in, ui_settings

OPERATOR = Principal(None, "local", frozenset({READ, ADMIN}))


@pytest.fixture(scope="module")
def stored_key_server(
    module_db: str, gate: Gate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    settings = ui_settings(module_db, tmp_path_factory.mktemp("data"))  # no key in the environment
    state = open_state(settings)
    try:
        create_workspace(state, "team", principal=OPERATOR)
        key = create_key(state, "team", "read", principal=OPERATOR).key
    finally:
        state.close()
    with live_ui(settings) as url:
        yield url, key


def cursor_config(page: Any) -> dict[str, Any]:
    block = page.locator("section.config", has_text="Cursor").locator("pre")
    return json.loads(block.inner_text())["mcpServers"]["codex7"]


def test_a_stored_key_makes_the_connect_page_ask_for_one(
    page: Any, stored_key_server: tuple[str, str]
) -> None:
    base, key = stored_key_server
    sign_in(page, base, key)
    page.goto(base + "/ui/connect")
    config = cursor_config(page)
    assert config["url"] == f"{base}/mcp"
    assert "YOUR_CODEX7_KEY" in config["headers"]["Authorization"]
