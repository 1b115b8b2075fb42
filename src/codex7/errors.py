"""Codex7's own errors. Each carries a message that says what was wrong and how to fix it.

Codex7Error
 ├── ConfigError            bad settings
 ├── DatabaseError          cannot reach / start / migrate the database
 │    └── MigrationError
 ├── ModelMismatch          configured embedder differs from the one the database was built with
 ├── InvalidLibraryId       not /org/project[/version]
 ├── LibraryNotFound
 ├── VersionNotFound
 ├── SourceError            unreadable path, unreachable repository, unknown ref
 └── EmbeddingError         the embedding provider failed
"""

from __future__ import annotations


class Codex7Error(Exception):
    """Base class: the message is shown to users as is, on one line."""


class ConfigError(Codex7Error):
    pass


class DatabaseError(Codex7Error):
    pass


class MigrationError(DatabaseError):
    pass


class ModelMismatch(Codex7Error):
    pass


class InvalidLibraryId(Codex7Error):
    pass


class LibraryNotFound(Codex7Error):
    def __init__(self, message: str, *, library_id: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.library_id = library_id
        self.suggestions = suggestions or []


class VersionNotFound(Codex7Error):
    def __init__(self, message: str, *, library_id: str, version: str, available: list[str]):
        super().__init__(message)
        self.library_id = library_id
        self.version = version
        self.available = available


class SourceError(Codex7Error):
    pass


class EmbeddingError(Codex7Error):
    pass


class InvalidVersion(Codex7Error):
    """A version or range that cannot be parsed (`>>2`); the message lists the accepted forms."""
