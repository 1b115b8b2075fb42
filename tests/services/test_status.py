"""The database's state as `codex7 db status` and the management API report it, and migrating."""

from __future__ import annotations

from codex7.config import Settings
from codex7.services.state import open_state
from codex7.services.status import migrate_database, status
from codex7.store.database import redact_url
from codex7.store.migrate import load_migrations


def test_migrating_applies_each_file_once(empty_db_url: str) -> None:
    settings = Settings(database_url=empty_db_url)
    location, applied = migrate_database(settings)
    assert location == redact_url(empty_db_url)
    assert applied == [f"{m.version}_{m.name}" for m in load_migrations()]
    assert migrate_database(settings)[1] == []


def test_status_names_the_database_its_contents_and_the_models(settings: Settings) -> None:
    state = open_state(settings.model_copy(update={"warm_up": False}))
    try:
        report = status(state)
    finally:
        state.close()
    assert report["kind"] == "external" and report["location"] == state.db.location
    assert (report["libraries"], report["versions"], report["documents"]) == (0, 0, 0)
    assert report["pending_migrations"] == [] and report["applied_migrations"]
    assert report["pgvector_version"] and report["postgres_version"]
    assert report["embedding_model"] is None
    assert report["configured_model"] == "local all-MiniLM-L6-v2"
