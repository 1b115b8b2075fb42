"""Parse and format Context7 library IDs: `/org/project`, `/org/project/version`, `/org/project@version`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codex7.errors import InvalidLibraryId

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


_VERSION_SPLIT = re.compile(r"[.\-+_]")


def normalize_version(version: str) -> str:
    """A text key that sorts versions the way people expect: v2 < v10, 1.0.0-rc1 < 1.0.0."""
    v = version.strip()
    if v[:1] in ("v", "V") and v[1:2].isdigit():
        v = v[1:]
    parts: list[str] = []
    for part in _VERSION_SPLIT.split(v.lower()):
        for piece in re.findall(r"\d+|[^\d]+", part):
            parts.append(piece.zfill(10) if piece.isdigit() else piece)
    # '~' sorts after every pre-release tag, so a final release outranks its rc/beta.
    prerelease = any(not p.isdigit() for p in parts if p not in ("x", "*"))
    return ".".join(parts) + ("" if prerelease else "~")
