"""What an indexing run is asked to do and what it did: the request a job row records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from codex7.errors import Codex7Error
from codex7.ids import parse_library_id
from codex7.sources import absolute_spec, is_git_spec, is_web_spec, local_folder

if TYPE_CHECKING:
    from codex7.sources.web import WebOptions


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
    # Website crawl options (see CRAWL_OPTIONS; None: the server's defaults). Recorded with the
    # job and the version's source, so a refresh crawls the same way.
    crawl: dict[str, Any] | None = None
    # Who asked (docs/team.md): the workspace that owns the library (None: the default one),
    # whether it is private to it (None: as it is, public when new), and the audit log's actor.
    workspace_id: int | None = None
    private: bool | None = None
    actor: str | None = None

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
    # A crawled website: where it started, how its pages were found, and the crawl's counts
    # (requests, conditional, not_modified, unchanged, changed, duplicates, vanished, bytes,
    # truncated). None for folders and repositories.
    crawl: dict[str, Any] | None = None


# What a request may say about a crawl: (kind, allowed values or bounds, example). The fetch
# allow-list, concurrency, rate, timeout and size limits are the operator's (CODEX7_FETCH_*),
# never a request's.
CRAWL_OPTIONS: dict[str, tuple[str, Any, str]] = {
    "scope": ("choice", ("prefix", "host"), '"prefix" (the start URL\'s folder) or "host"'),
    "include": ("globs", None, '["/docs/v2/*"]'),
    "exclude": ("globs", None, '["*/changelog/*"]'),
    "discovery": ("choice", ("auto", "llms", "sitemap", "crawl"), '"auto"'),
    "max_pages": ("int", (1, 100_000), "500"),
    "max_depth": ("int", (0, 100), "5"),
    "keep_query": ("bool", None, "true"),
}
MAX_GLOBS = 100


def check_crawl(crawl: dict[str, Any] | None) -> dict[str, Any] | None:
    """Crawl options checked and in JSON form (globs as lists); None when there are none.
    Raises Codex7Error naming the option, what was given and what is accepted."""
    if crawl is None:
        return None
    if not isinstance(crawl, dict):
        raise Codex7Error(
            f'Crawl options must be an object such as {{"max_pages": 100}}, not {crawl!r}'
        )
    out: dict[str, Any] = {}
    for key, value in crawl.items():
        if key not in CRAWL_OPTIONS:
            raise Codex7Error(
                f"Unknown crawl option {key!r}; the options are {', '.join(CRAWL_OPTIONS)}"
            )
        if value is None:
            continue
        kind, allowed, example = CRAWL_OPTIONS[key]
        ok = True
        if kind == "choice":
            ok = value in allowed
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
            ok = ok and allowed[0] <= value <= allowed[1]
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "globs":
            if isinstance(value, str):
                value = [value]
            ok = isinstance(value, list | tuple) and len(value) <= MAX_GLOBS
            ok = ok and all(isinstance(g, str) and g.strip() and len(g) <= 500 for g in value)
            value = [g.strip() for g in value] if ok else value
        if not ok:
            if kind == "choice":
                accepted = f"one of {', '.join(allowed)}"
            elif kind == "int":
                accepted = f"a whole number from {allowed[0]} to {allowed[1]}"
            elif kind == "bool":
                accepted = "true or false"
            else:
                accepted = f"a list of at most {MAX_GLOBS} URL path globs"
            raise Codex7Error(
                f"Crawl option {key!r} must be {accepted}, e.g. {example} (got {value!r})"
            )
        out[key] = value
    return out or None


def crawl_options(base: WebOptions, crawl: dict[str, Any] | None) -> WebOptions:
    """The server's crawl settings with a request's (checked) options on top."""
    checked = check_crawl(crawl) or {}
    changes: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in checked.items()
    }
    return replace(base, **changes)


def default_version(req: IndexRequest) -> str:
    """--version as given; else named after the git ref (its tag, a tag on its commit, the branch,
    the short commit). A folder has no such name, so it needs --version."""
    if req.version is not None:
        raw = req.version
    elif is_web_spec(req.source, req.ref):
        raise Codex7Error(
            f"{req.source} is a website, so its version needs a name: add --version (e.g. "
            "--version 2.1, the version the site documents)"
        )
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
    crawl = check_crawl(req.crawl)
    web = is_web_spec(req.source, req.ref)
    if crawl is not None and not web:
        raise Codex7Error(
            f"Crawl options ({', '.join(crawl)}) apply to websites only, and {req.source} is "
            "not one (a website is an http(s) URL that is not a git remote, or web:<url>)"
        )
    if web and (req.folders or req.exclude_folders or req.exclude_files):
        raise Codex7Error(
            f"{req.source} is a website: --folder, --exclude-folder and --exclude-file select "
            "files of folders and repositories; choose a website's pages with --include-url, "
            "--exclude-url and --scope"
        )
    if not is_git_spec(req.source, req.ref):
        if req.ref is None and not web:
            local_folder(req.source)
        default_version(req)
    return replace(req, library=library, source=absolute_spec(req.source), crawl=crawl)
