"""What an indexing run is asked to do and what it did: the request a job row records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from codex7.errors import Codex7Error
from codex7.ids import parse_library_id
from codex7.sources import absolute_spec, is_git_spec, local_folder


@dataclass
class IndexRequest:
    source: str
    library: str  # /org/project
    version: str | None = None
    ref: str | None = None
    name: str | None = None
    description: str | None = None
    latest: bool | None = None
    folders: list[str] = field(default_factory=list)
    exclude_folders: list[str] = field(default_factory=list)
    exclude_files: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """What a job row records to run it again anywhere."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexRequest:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class IndexResult:
    library: str
    version: str
    job_id: int
    files: int
    chunks: int
    embedded: int
    reused: int
    unchanged: bool
    commit: str | None
    seconds: float
    is_latest: bool
    # Selected files that could not be read, and include directives left as written: never
    # dropped silently ({"path", "reason"} / {"page", "directive", "reason"}).
    skipped: list[dict[str, str]] = field(default_factory=list)
    unresolved_includes: list[dict[str, str]] = field(default_factory=list)


def default_version(req: IndexRequest) -> str:
    """--version as given; else named after the git ref (its tag, a tag on its commit, the branch,
    the short commit). A folder has no such name, so it needs --version."""
    if req.version is not None:
        raw = req.version
    elif is_git_spec(req.source, req.ref):
        from codex7.sources.git import version_name

        raw = version_name(req.source, req.ref)
    elif req.ref is not None:
        raw = req.ref  # not a repository: opening the source says so
    else:
        local_folder(req.source)  # a missing folder is the first thing to say
        raise Codex7Error(
            f"{req.source} is a folder, so its version needs a name: add --version (e.g. --version"
            " 2.1), or index a git repository with --ref to name it after the tag or branch"
        )
    version = raw.strip().replace("/", "-")
    if not version:
        raise Codex7Error("--version must not be empty")
    return version


def portable_request(req: IndexRequest) -> IndexRequest:
    """The request checked as far as it can be without reading a remote repository (library ID,
    a missing folder, a folder without a version name), with a local source made absolute so
    that a worker in any directory reads the same files."""
    library = parse_library_id(req.library, allow_version=False).library_id
    if not is_git_spec(req.source, req.ref):
        if req.ref is None:
            local_folder(req.source)
        default_version(req)
    return replace(req, library=library, source=absolute_spec(req.source))
