"""SQL for web_pages: per page of a crawled website version, what its next refresh needs.

Rows are plain dicts with the keys of `codex7.sources.web.PageState.as_dict()` (url, path, etag,
last_modified, content_hash, text, links, title, site_name, description); the store does not
import the crawler. `replace` runs in the transaction that publishes the version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.rows import dict_row

COLUMNS = (
    "url",
    "path",
    "etag",
    "last_modified",
    "content_hash",
    "text",
    "links",
    "title",
    "site_name",
    "description",
)

_LOAD = """
SELECT url, path, etag, last_modified, content_hash, text, links, title, site_name, description
FROM web_pages WHERE version_id = %(version_id)s
ORDER BY position
"""
_DELETE = "DELETE FROM web_pages WHERE version_id = %(version_id)s"
_INSERT = """
INSERT INTO web_pages (version_id, position, url, path, etag, last_modified, content_hash, text,
                       links, title, site_name, description)
VALUES (%(version_id)s, %(position)s, %(url)s, %(path)s, %(etag)s, %(last_modified)s,
        %(content_hash)s, %(text)s, %(links)s, %(title)s, %(site_name)s, %(description)s)
"""


def load(conn: psycopg.Connection, version_id: int) -> list[dict[str, Any]]:
    """The pages stored for a version in the order they were given (none for a folder or
    repository)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(_LOAD, {"version_id": version_id}).fetchall()


def replace(conn: psycopg.Connection, version_id: int, pages: Iterable[dict[str, Any]]) -> None:
    """The version's pages are now exactly `pages`, in this order (an empty iterable removes
    them all)."""
    rows = [
        {c: page.get(c) for c in COLUMNS}
        | {"links": list(page.get("links") or ()), "version_id": version_id, "position": i}
        for i, page in enumerate(pages)
    ]
    conn.execute(_DELETE, {"version_id": version_id})
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_INSERT, rows)
