"""Settings and the application state for commands, opened once and closed with the command."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from codex7.config import Settings
from codex7.errors import ConfigError

if TYPE_CHECKING:
    from codex7.services.state import AppState


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"CODEX7_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Invalid configuration: {problems}") from None


def open_app(settings: Settings | None = None, *, migrate: bool | None = None) -> AppState:
    """The application state for the current command; it is closed when the command ends."""
    from codex7.services.state import open_state

    state = open_state(settings or load_settings(), migrate=migrate)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(state.close)
    return state
