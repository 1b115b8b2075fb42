"""What the management API accepts: JSON bodies and query parameters checked into requests; pure.

Every refusal is an ApiError 400 naming the field, what was sent and what would do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from codex7.api.guard import ApiError
from codex7.api.inputs import InputProblem, check_text, shown
from codex7.errors import Codex7Error, InvalidLibraryId
from codex7.ids import parse_library_id

if TYPE_CHECKING:
    from codex7.services.jobs import IndexRequest

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
MAX_JOBS = 1000  # one listing at most
MIN_EVERY = 60  # seconds between scheduled refreshes, at least
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")

ADD_EXAMPLE = '{"source": "https://github.com/encode/httpx", "library": "/encode/httpx"}'
TEXT_FIELDS = {"source": 2000, "version": 200, "ref": 200, "name": 200, "description": 2000}
LIST_FIELDS = ("folders", "exclude_folders", "exclude_files")
ADD_FIELDS = (
    "source",
    "library",
    "version",
    "ref",
    "name",
    "description",
    "latest",
    *LIST_FIELDS,
    "crawl",
    "private",
)
CHANGE_FIELDS = ("name", "refresh_every", "private")


def bad_request(message: str) -> ApiError:
    """A 400 answer to a management request, MESSAGE saying what was wrong."""
    return ApiError(400, "invalid_request", message)


def json_object(body: Any, fields: tuple[str, ...], example: str) -> dict[str, Any]:
    """BODY if it is a JSON object with no field outside FIELDS; EXAMPLE shows a good one."""
    if not isinstance(body, dict):
        raise bad_request(
            f"The request body must be a JSON object, e.g. {example} (got {shown(body)})."
        )
    unknown = [k for k in body if k not in fields]
    if unknown:
        raise bad_request(
            f"Unknown field {shown(unknown[0])}; the accepted fields are {', '.join(fields)}."
        )
    return body


def body_text(
    body: Mapping[str, Any], name: str, *, limit: int, required: bool = False
) -> str | None:
    """Field NAME as stripped text of at most LIMIT characters; None if absent and optional."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        need = "a non-empty string" if required else "a string or null"
        raise bad_request(f"'{name}' must be {need} (got {shown(value)}).")
    try:
        return check_text(f"'{name}'", value.strip(), limit=limit)
    except InputProblem as exc:
        raise bad_request(f"{exc}.") from None


def _text(body: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    return body_text(body, name, limit=TEXT_FIELDS.get(name, 200), required=required) or None


def _texts(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad_request(
            f"'{name}' must be a list of non-empty strings, e.g. [\"docs\"] (got {shown(value)})."
        )
    try:
        return [check_text(f"'{name}'", v.strip()) for v in value]
    except InputProblem as exc:
        raise bad_request(f"{exc}.") from None


def index_request(body: Any) -> IndexRequest:
    """POST /api/manage/libraries: what to index (the fields of `codex7 index`)."""
    from codex7.services.jobs import IndexRequest  # loads the indexer: on first use only

    body = json_object(body, ADD_FIELDS, ADD_EXAMPLE)
    source = _text(body, "source", required=True)
    library = _text(body, "library", required=True)
    try:
        ref = parse_library_id(library or "")
    except InvalidLibraryId:
        ref = None
    if ref is None or ref.version is not None:
        raise bad_request(
            f"'library' must be a library ID /org/project, e.g. /encode/httpx (got "
            f"{shown(library)}); give a version in 'version'."
        )
    latest = body.get("latest")
    if latest is not None and not isinstance(latest, bool):
        raise bad_request(f"'latest' must be true, false or null (got {shown(latest)}).")
    crawl = _crawl(body.get("crawl"))
    private = _flag(body, "private")
    return IndexRequest(
        private=private,
        source=source or "",
        library=ref.library_id,
        version=_text(body, "version"),
        ref=_text(body, "ref"),
        name=_text(body, "name"),
        description=_text(body, "description"),
        latest=latest,
        folders=_texts(body, "folders"),
        exclude_folders=_texts(body, "exclude_folders"),
        exclude_files=_texts(body, "exclude_files"),
        crawl=crawl,
    )


def _crawl(value: Any) -> dict[str, Any] | None:
    """A website's crawl options, e.g. {"max_pages": 100, "exclude": ["*/changelog/*"]}."""
    from codex7.services.jobs import check_crawl

    if value is not None and not isinstance(value, dict):
        raise bad_request(
            f"'crawl' must be an object of crawl options, e.g. "
            f'{{"max_pages": 100, "scope": "host"}} (got {shown(value)}).'
        )
    try:
        return check_crawl(value)
    except Codex7Error as exc:
        raise bad_request(f"'crawl': {exc}.") from None


def _flag(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad_request(f"'{name}' must be true, false or null (got {shown(value)}).")
    return value


@dataclass(frozen=True)
class LibraryChanges:
    name: str | None  # None: keep the name
    schedule: bool  # whether refresh_every was given
    every: timedelta | None  # the new interval; None: no scheduled refresh
    private: bool | None = None  # True: its workspace's only; False: public; None: as it is


def library_changes(body: Any) -> LibraryChanges:
    """PATCH /api/manage/libraries/{org}/{project}: a new name and/or refresh interval."""
    body = json_object(body, CHANGE_FIELDS, '{"name": "HTTPX", "refresh_every": "1d"}')
    if not body:
        raise bad_request(
            f'Send at least one of {", ".join(CHANGE_FIELDS)}, e.g. {{"name": "HTTPX"}}.'
        )
    name = _text(body, "name", required="name" in body)
    every = parse_every(body["refresh_every"]) if "refresh_every" in body else None
    return LibraryChanges(
        name=name, schedule="refresh_every" in body, every=every, private=_flag(body, "private")
    )


def parse_every(value: Any) -> timedelta | None:
    """A refresh interval: seconds as a number, or text like "1d", "12h", "30m"; null for none."""
    if value is None:
        return None
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.fullmatch(value.strip().lower())):
        seconds = float(m[1]) * _UNITS[m[2]]
    if seconds is None or not MIN_EVERY <= seconds <= 366 * 86400:
        raise bad_request(
            "'refresh_every' must be an interval from 1 minute to 366 days: seconds (3600) or "
            f'text such as "30m", "12h", "1d", "1w"; null turns it off (got {shown(value)}).'
        )
    return timedelta(seconds=seconds)


def job_id(text: str) -> int:
    """A job ID from the path."""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise bad_request(
            f"A job ID is a whole number, e.g. /api/manage/jobs/12 (got {shown(text)})."
        )
    return int(text)


def job_listing(params: Mapping[str, str]) -> tuple[int, str | None]:
    """GET /api/manage/jobs?limit=N&status=S: (limit, status or None)."""
    raw = params.get("limit", "20")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_JOBS:
        raise bad_request(
            f"'limit' must be a whole number from 1 to {MAX_JOBS} (got {shown(raw)})."
        )
    status = params.get("status") or None
    if status is not None and status not in JOB_STATUSES:
        raise bad_request(
            f"'status' must be one of {', '.join(JOB_STATUSES)} (got {shown(status)})."
        )
    return int(raw), status
