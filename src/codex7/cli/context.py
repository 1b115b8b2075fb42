"""Settings and database handles for commands, opened once and closed with the command."""

from __future__ import annotations

import click
from pydantic import ValidationError

from codex7.config import Settings
from codex7.errors import ConfigError
from codex7.store.database import Database, open_database


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"CODEX7_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Invalid configuration: {problems}") from None


def open_db(settings: Settings | None = None, *, migrate: bool | None = None) -> Database:
    """Open the database for the current command; it is closed when the command ends."""
    db = open_database(settings or load_settings(), migrate=migrate)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(db.close)
    return db
