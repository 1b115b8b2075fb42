"""Parse and format Context7 library IDs: `/org/project`, `/org/project/version`, `/org/project@version`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codex7.errors import InvalidLibraryId
from codex7.versions import sort_key

_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_ID_RE = re.compile(rf"^/(?P<org>{_PART})/(?P<project>{_PART})(?:[/@](?P<version>[^/@\s]+))?/?$")


@dataclass(frozen=True)
class LibraryRef:
    org: str
    project: str
    version: str | None = None

    @property
    def library_id(self) -> str:
        return f"/{self.org}/{self.project}"

    def __str__(self) -> str:
        return self.library_id + (f"/{self.version}" if self.version else "")


def parse_library_id(text: str, *, allow_version: bool = True) -> LibraryRef:
    """`/vercel/next.js/v14.2.3` → LibraryRef('vercel', 'next.js', 'v14.2.3')."""
    raw = (text or "").strip()
    if raw and not raw.startswith("/"):
        raw = "/" + raw
    m = _ID_RE.match(raw)
    if not m:
        form = "/org/project[/version]" if allow_version else "/org/project"
        raise InvalidLibraryId(
            f"Invalid library ID {text!r}: expected the form {form}, e.g. /vercel/next.js"
            + ("/v14.2.3" if allow_version else "")
        )
    ref = LibraryRef(m["org"], m["project"], m["version"])
    if ref.version and not allow_version:
        raise InvalidLibraryId(
            f"Invalid library ID {text!r}: give the library as /org/project and the version separately"
        )
    return ref


def format_library_id(org: str, project: str, version: str | None = None) -> str:
    return f"/{org}/{project}" + (f"/{version}" if version else "")


def normalize_version(version: str) -> str:
    """The stored sortable form (`versions.version_normalized`): v2 < v10, 2.9.0-rc1 < 2.9.0.

    A numeric version becomes digits and lowercase letters only, so PostgreSQL sorts it alike
    under every collation; see codex7.versions.
    """
    return sort_key(version)
