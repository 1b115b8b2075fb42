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
 │    └── URLRefused        a website URL the fetch guard refuses (codex7.sources.web.guard)
 ├── EmbeddingError         the embedding provider failed
 ├── JobNotFound            no indexing job with that ID
 ├── AuthError              a request without the key, scope or quota it needs (HTTP status kept)
 ├── WorkspaceError         an unknown or duplicate workspace, key or visibility change
 └── JobStopped             a running job stopped before publishing anything
      ├── JobCancelled      someone cancelled it (`codex7 jobs cancel`, Ctrl-C with --inline)
      ├── LeaseLost         its lease ran out and another worker took it over
      └── WorkerStopping    its worker is shutting down; the job goes back to the queue
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


class JobNotFound(Codex7Error):
    def __init__(self, message: str, *, job_id: int):
        super().__init__(message)
        self.job_id = job_id


class AuthError(Codex7Error):
    """A caller refused: STATUS 401 (no, a wrong, revoked or expired key), 403 (a key without
    the scope) or 429 (over its rate or concurrency limit; RETRY_AFTER seconds). CODE is the
    JSON error code. The message never contains the key."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 401,
        code: str = "unauthorized",
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class WorkspaceError(Codex7Error):
    pass


class JobStopped(Codex7Error):
    """A job stopped at a checkpoint; nothing of this run was published."""


class JobCancelled(JobStopped):
    pass


class LeaseLost(JobStopped):
    pass


class WorkerStopping(JobStopped):
    pass
