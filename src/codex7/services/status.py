"""The database's state as `codex7 db status` and the management API report it, and migrating it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codex7.config import Settings
from codex7.store.database import resolve_url
from codex7.store.migrate import migrate
from codex7.store.status import read_status

if TYPE_CHECKING:
    from codex7.services.state import AppState


def status(state: AppState) -> dict[str, Any]:
    """Where the database is (`kind`: embedded or external), its server and pgvector versions,
    migrations applied and pending, counts, the model its vectors come from (`embedding_model`,
    None before the first index) and the configured one."""
    with state.db.pool.connection() as conn:
        found = read_status(conn, state.db.location)
    settings = state.settings
    return {
        "kind": "embedded" if state.db.embedded is not None else "external",
        **found.as_dict(),
        "configured_model": f"{settings.embedding_provider} {settings.model_name}".strip(),
    }


def migrate_database(settings: Settings) -> tuple[str, list[str]]:
    """Apply pending migrations (starting the embedded server if that is the database);
    (where the database is, the migrations applied)."""
    url, location, server = resolve_url(settings)
    try:
        applied = migrate(url)
    finally:
        if server is not None:
            from codex7.store.embedded import stop_embedded

            stop_embedded(server)
    return location, applied
