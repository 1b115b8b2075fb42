"""Where documentation comes from: a local folder, a git repository at a ref, or a website.

Websites are crawled by `codex7.sources.web` (the pipeline calls `open_website` for a spec that
`is_web_spec`); `open_source` opens folders and repositories.

Files are read as their docs build would show them: include directives resolved (see
`includes`), PDFs, notebooks and HTML converted to Markdown (see `formats`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from codex7.errors import SourceError
from codex7.records import SourceFile
from codex7.sources.directives import MARKDOWN_SUFFIXES
from codex7.sources.formats import UnreadableFile, read_document
from codex7.sources.includes import Unresolved, resolve_includes
from codex7.sources.select import Context7Config, SelectionRules, read_context7_json, select_files
from codex7.sources.spec import website_url

_REMOTE = re.compile(r"^(https?://|ssh://|git@|file://|github:|gitlab:|web:)")


@dataclass(frozen=True)
class SkippedFile:
    """A selected file that could not be read, and why (an encrypted PDF, a broken notebook)."""

    path: str
    reason: str


@dataclass
class OpenedSource:
    kind: str  # "local" | "git" | "github"
    spec: str  # as the user gave it
    root: Path
    ref: str | None = None
    commit: str | None = None
    web_base: str | None = None  # https://github.com/o/r/blob/<sha> for known forges
    config: Context7Config = field(default_factory=Context7Config)
    # What the last files() call could not read, and the directives it left as written.
    skipped: list[SkippedFile] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)

    @property
    def location(self) -> str:
        """Where to read this source again from any directory: local paths absolute, URLs as given."""
        return str(self.root) if self.kind == "local" else absolute_spec(self.spec)

    def files(self, rules: SelectionRules) -> list[SourceFile]:
        """The selected documentation files as Markdown (or reStructuredText) text."""
        out: list[SourceFile] = []
        self.skipped, self.unresolved = [], []
        root = self.root.resolve()
        for rel in select_files(self.root, rules):
            url = f"{self.web_base}/{rel}" if self.web_base else None
            if not (self.root / rel).resolve().is_relative_to(root):
                # A cloned repository must not get /etc/passwd indexed through a symlink.
                self.skipped.append(SkippedFile(rel, "a symbolic link to outside the source"))
                continue
            try:
                text = read_document(self.root / rel, url)
            except UnreadableFile as exc:
                self.skipped.append(SkippedFile(rel, str(exc)))
                continue
            if Path(rel).suffix.lower() in MARKDOWN_SUFFIXES:
                text, unresolved = resolve_includes(self.root, rel, text)
                self.unresolved += unresolved
            out.append(SourceFile(path=rel, text=text, url=url))
        return out


def absolute_spec(spec: str) -> str:
    """A local path made absolute (`../widgets` → `/home/me/widgets`); URLs and `github:o/r` kept."""
    if _REMOTE.match(spec):
        return spec
    return str(Path(spec).expanduser().resolve())


def is_web_spec(spec: str, ref: str | None) -> bool:
    """`web:<url>`, or an http(s) URL that is not a git remote (see `spec.website_url`)."""
    return website_url(spec, ref) is not None


def is_git_spec(spec: str, ref: str | None) -> bool:
    if is_web_spec(spec, ref):
        return False
    if _REMOTE.match(spec):
        return True
    return ref is not None and (Path(spec) / ".git").exists()


def local_folder(spec: str) -> Path:
    """The absolute path of the docs folder `spec`, or a SourceError saying what to give."""
    root = Path(spec).expanduser()
    if not root.is_dir():
        raise SourceError(
            f"Source {spec!r} is not a folder or a git URL; give a docs folder, a repository "
            "path with --ref, a git URL (https://…/repo.git, file://…, github:org/repo) or a "
            "website (https://docs.example.com/)"
        )
    return root.resolve()


def open_source(spec: str, *, ref: str | None = None, cache_dir: Path) -> OpenedSource:
    """Pick local or git from the spec's shape: git URLs and `github:o/r` are git, as is a local
    repository when a ref is given; any other existing folder is read as it is on disk. A
    website is not opened here (the pipeline crawls it with `codex7.sources.web`)."""
    if is_web_spec(spec, ref):
        raise SourceError(
            f"{spec} is a website; it is crawled with codex7.sources.web.open_website, not opened "
            "as a folder or repository (a git remote ends in .git or is a forge's /owner/repo)"
        )
    if is_git_spec(spec, ref):
        from codex7.sources.git import checkout

        co = checkout(spec, ref, cache_dir)
        kind = "github" if co.web_base and "github.com" in co.web_base else "git"
        src = OpenedSource(kind, spec, co.root, co.ref, co.commit, co.web_base)
    else:
        if ref is not None:
            raise SourceError(f"--ref {ref!r} needs a git repository, but {spec} is not one")
        src = OpenedSource("local", spec, local_folder(spec))
    src.config = read_context7_json(src.root)
    return src
