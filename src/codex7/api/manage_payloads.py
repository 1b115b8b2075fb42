"""JSON shapes of the management API and its Server-Sent Events; pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from codex7.services.libraries import LibraryDetail, LibrarySummary, VersionSummary


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def summary_json(s: LibrarySummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "latest": s.latest,
        "version_count": s.versions,
        "chunks": s.chunks,
        "indexed_at": _when(s.indexed_at),
        "refresh_every": _seconds(s.refresh_every),  # seconds, or null: refreshed by hand
        "visibility": s.visibility,  # public, or private: its workspace's keys only
    }


def version_json(v: VersionSummary) -> dict[str, Any]:
    return {
        "version": v.version,
        "is_latest": v.is_latest,
        "chunks": v.chunks,
        "commit": v.commit,
        "indexed_at": _when(v.indexed_at),
        "source": v.source,
    }


def detail_json(d: LibraryDetail) -> dict[str, Any]:
    return {
        **summary_json(d.summary),
        "versions": [version_json(v) for v in d.versions],
        "rules": d.rules,
    }
