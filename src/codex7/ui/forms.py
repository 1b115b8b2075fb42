"""What the web UI's forms accept: fields checked into requests, each refusal naming its field;
pure (no database, no request objects)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from codex7.errors import InvalidLibraryId
from codex7.ids import parse_library_id

if TYPE_CHECKING:
    from codex7.services.jobs import IndexRequest

SOURCE_KINDS = ("folder", "git", "website")
MAX_TEXT = 2000  # characters of any one field
# Refresh intervals offered on a library's page (seconds; 0: refreshed by hand only).
SCHEDULES: tuple[tuple[str, int], ...] = (
    ("never (refresh by hand)", 0),
    ("every hour", 3600),
    ("every 6 hours", 6 * 3600),
    ("every day", 86400),
    ("every week", 7 * 86400),
)
MIN_TOKENS, MAX_TOKENS = 1000, 100_000


class FormErrors(Exception):
    """The fields that were refused: field name → message; VALUES are what was sent, to show
    the form again as the user filled it."""

    def __init__(self, errors: dict[str, str], values: Mapping[str, Any]):
        super().__init__("; ".join(errors.values()))
        self.errors, self.values = errors, dict(values)


CRAWL_SCOPES = ("prefix", "host")
CRAWL_DISCOVERY = ("auto", "llms", "sitemap", "crawl")
CRAWL_LIMITS = {"max_pages": (1, 100_000), "max_depth": (0, 100)}


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _lines(form: Mapping[str, Any], name: str) -> list[str]:
    """One entry per line or comma: `docs, guide` or a list of lines."""
    return [part.strip() for part in re.split(r"[,\n]", _text(form, name)) if part.strip()]


def library_id_problem(text: str) -> str | None:
    """Why TEXT is not a library ID /org/project, else None."""
    if not text:
        return "Give the library ID, e.g. /acme/widgets."
    try:
        ref = parse_library_id(text)
    except InvalidLibraryId:
        return (
            "A library ID is /org/project: letters, digits, '.', '_' or '-' in each part, "
            "e.g. /acme/widgets."
        )
    if ref.version is not None:
        return "Give the library as /org/project and the version in its own field."
    return None


def url_problem(text: str, what: str) -> str | None:
    """Why TEXT is not an http(s) URL (or, for git, also git@host:path / ssh:// / file://)."""
    if not text:
        return f"Give the {what}'s URL."
    if what == "repository" and text.startswith(("git@", "ssh://", "file://", "github:")):
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        example = (
            "https://github.com/encode/httpx"
            if what == "repository"
            else "https://docs.example.com/"
        )
        return f"The {what} URL must start with http:// or https://, e.g. {example}."
    return None


def add_library(form: Mapping[str, Any]) -> IndexRequest:
    """The add-a-library form checked into an index request: FormErrors lists every refused
    field at once."""
    errors: dict[str, str] = {}
    for name, value in form.items():
        if isinstance(value, str) and (len(value) > MAX_TEXT or "\x00" in value):
            errors[name] = f"At most {MAX_TEXT} characters of text."
    kind = _text(form, "kind") or "folder"
    if kind not in SOURCE_KINDS:
        errors["kind"] = f"Choose one of: {', '.join(SOURCE_KINDS)}."
    library = _text(form, "library")
    problem = library_id_problem(library)
    if problem:
        errors["library"] = problem
    version = _text(form, "version") or None
    ref = None
    crawl = None
    if kind == "folder":
        source = _text(form, "path")
        if not source:
            errors["path"] = "Give the folder's path on the server, e.g. /srv/docs/widgets."
        elif not source.startswith(("/", "~")):
            errors["path"] = "Give an absolute path on the server, e.g. /srv/docs/widgets."
        if not version:
            errors["version"] = "A folder has no tag to name its version: give one, e.g. 1.0."
    elif kind == "git":
        source = _text(form, "repository")
        problem = url_problem(source, "repository")
        if problem:
            errors["repository"] = problem
        ref = _text(form, "ref") or None
    else:
        source = _text(form, "website")
        problem = url_problem(source, "website")
        if problem:
            errors["website"] = problem
        if not version:
            errors["version"] = "A website has no tag to name its version: give one, e.g. latest."
        crawl = _crawl(form, errors)
    latest = {"yes": True, "no": False}.get(_text(form, "latest"))
    if errors:
        raise FormErrors(errors, form)
    from codex7.services.jobs import IndexRequest  # loads the indexer: on first use only

    return IndexRequest(
        source=source,
        library=parse_library_id(library).library_id,
        version=version,
        ref=ref,
        name=_text(form, "name") or None,
        description=_text(form, "description") or None,
        latest=latest,
        folders=_lines(form, "folders"),
        exclude_folders=_lines(form, "exclude_folders"),
        exclude_files=_lines(form, "exclude_files"),
        crawl=crawl if kind == "website" else None,
    )


def _crawl(form: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any] | None:
    """A website's crawl options as IndexRequest.crawl takes them (only those given)."""
    crawl: dict[str, Any] = {}
    for name, choices in (("scope", CRAWL_SCOPES), ("discovery", CRAWL_DISCOVERY)):
        value = _text(form, name)
        if value and value not in choices:
            errors[name] = f"Choose one of: {', '.join(choices)}."
        elif value:
            crawl[name] = value
    for name, (low, high) in CRAWL_LIMITS.items():
        raw = _text(form, name)
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
            errors[name] = f"A whole number from {low} to {high}."
        else:
            crawl[name] = int(raw)
    for name in ("include", "exclude"):
        globs = _lines(form, name)
        if globs:
            crawl[name] = globs
    return crawl or None


def schedule(form: Mapping[str, Any]) -> timedelta | None:
    """The refresh interval chosen on a library's page; None: refreshed by hand only."""
    raw = _text(form, "every")
    allowed = {str(seconds): seconds for _, seconds in SCHEDULES}
    if raw not in allowed:
        choices = ", ".join(label for label, _ in SCHEDULES)
        raise FormErrors({"every": f"Choose one of the intervals offered: {choices}."}, form)
    return timedelta(seconds=allowed[raw]) if allowed[raw] else None


def schedule_label(every: timedelta | None) -> str:
    """How a refresh interval reads on a page."""
    if every is None:
        return "by hand"
    seconds = int(every.total_seconds())
    for label, value in SCHEDULES:
        if value == seconds and value:
            return label
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"every {n} {unit}{'s' if n != 1 else ''}"
    return f"every {seconds} seconds"


def tokens(raw: str | None) -> int | None:
    """The token budget of the query page: empty for the default, else clamped like the API."""
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise FormErrors({"tokens": "The token budget is a whole number, e.g. 5000."}, {})
    return min(MAX_TOKENS, max(MIN_TOKENS, int(text)))
