"""Which files of a source are documentation: extensions, Context7's default skips, context7.json."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from codex7.errors import SourceError

DOC_SUFFIXES = (".md", ".mdx", ".markdown", ".txt", ".rst", ".pdf", ".ipynb", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
# HTML under these folders is a theme or site template (Jinja, Liquid, Hugo) or a built site whose
# sources sit beside it, not a page.
HTML_SKIPPED_DIRS = {
    "templates",
    "_templates",
    "template",
    "layouts",
    "_layouts",
    "_includes",
    "includes",
    "partials",
    "_partials",
    "overrides",
    "theme",
    "themes",
    "static",
    "_static",
    "assets",
    "site",
    "_site",
    "public",
    "htmlcov",
}

# Never documentation, whatever the config says.
ALWAYS_SKIPPED_DIRS = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    "site-packages",
    "dist",
    "build",
    ".next",
    ".nuxt",
    ".docusaurus",
    ".vitepress/cache",
    "_build",
    "target",
}
# Context7's defaults, applied when neither excludeFolders nor excludeFiles is given.
DEFAULT_EXCLUDE_FOLDERS = (
    "*archive*",
    "*archived*",
    "old",
    "./docs/old",
    "*deprecated*",
    "*legacy*",
    "*previous*",
    "*outdated*",
    "*superseded*",
    "i18n/zh*",
)
DEFAULT_EXCLUDE_FILES = ("CHANGELOG*", "LICENSE.md", "CODE_OF_CONDUCT.md")
NON_ENGLISH_LOCALES = {
    "ar",
    "bn",
    "cs",
    "da",
    "de",
    "el",
    "es",
    "fa",
    "fi",
    "fr",
    "he",
    "hi",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "ms",
    "nb",
    "nl",
    "no",
    "pl",
    "pt",
    "pt-br",
    "ro",
    "ru",
    "sv",
    "th",
    "tr",
    "uk",
    "vi",
    "zh",
    "zh-cn",
    "zh-hans",
    "zh-hant",
    "zh-tw",
    "zh_cn",
    "zh_tw",
}


@dataclass
class Context7Config:
    """The fields of a repository's context7.json that Codex7 honours."""

    project_title: str | None = None
    description: str | None = None
    folders: list[str] = field(default_factory=list)
    exclude_folders: list[str] | None = None
    exclude_files: list[str] | None = None
    rules: list[str] = field(default_factory=list)
    previous_versions: list[dict[str, str]] = field(default_factory=list)


def _str_list(data: dict[str, Any], key: str) -> list[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(f"context7.json: {key!r} must be a list of strings")
    return value


def read_context7_json(root: Path) -> Context7Config:
    path = root / "context7.json"
    if not path.is_file():
        return Context7Config()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceError(f"context7.json at {root} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SourceError("context7.json must hold a JSON object")
    prev = data.get("previousVersions") or []
    return Context7Config(
        project_title=data.get("projectTitle"),
        description=data.get("description"),
        folders=_str_list(data, "folders") or [],
        exclude_folders=_str_list(data, "excludeFolders"),
        exclude_files=_str_list(data, "excludeFiles"),
        rules=_str_list(data, "rules") or [],
        previous_versions=[p for p in prev if isinstance(p, dict) and "tag" in p],
    )


@dataclass
class SelectionRules:
    folders: list[str] = field(default_factory=list)  # include-only; empty = everything
    exclude_folders: list[str] = field(default_factory=list)
    exclude_files: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        config: Context7Config,
        *,
        folders: list[str] | None = None,
        exclude_folders: list[str] | None = None,
        exclude_files: list[str] | None = None,
    ) -> SelectionRules:
        """CLI flags override context7.json; Context7's defaults apply when no exclusion is given."""
        ex_folders = exclude_folders if exclude_folders else config.exclude_folders
        ex_files = exclude_files if exclude_files else config.exclude_files
        if ex_folders is None and ex_files is None:
            ex_folders, ex_files = list(DEFAULT_EXCLUDE_FOLDERS), list(DEFAULT_EXCLUDE_FILES)
        return cls(
            folders=[f.strip("/").removeprefix("./") for f in (folders or config.folders)],
            exclude_folders=list(ex_folders or []),
            exclude_files=list(ex_files or []) + ["context7.json"],
        )


def _matches(name: str, pattern: str) -> bool:
    """A glob match that ignores case: `CHANGELOG*` skips changelog.md, `legacy` skips Legacy/."""
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _folder_excluded(dir_parts: tuple[str, ...], patterns: list[str]) -> bool:
    dir_path = "/".join(dir_parts)
    for raw in patterns:
        pat = raw.strip().rstrip("/")
        if pat.startswith("./"):  # root-anchored
            anchored = pat[2:]
            if _matches(dir_path, anchored) or dir_path.lower().startswith(anchored.lower() + "/"):
                return True
        elif "/" in pat:  # a path or glob: matches the folder or one of its prefixes
            for i in range(1, len(dir_parts) + 1):
                prefix = "/".join(dir_parts[:i])
                if _matches(prefix, pat) or _matches(prefix, "*/" + pat):
                    return True
        elif any(_matches(part, pat) for part in dir_parts):  # a name: anywhere
            return True
    return False


def is_selected(rel: str, rules: SelectionRules) -> bool:
    """Decide for one relative POSIX path. Exclusions ignore case and win over `folders`."""
    p = PurePosixPath(rel)
    if p.suffix.lower() not in DOC_SUFFIXES:
        return False
    dirs = p.parts[:-1]
    if any(part in ALWAYS_SKIPPED_DIRS or part.startswith(".") for part in dirs):
        return False
    if any(part.lower() in NON_ENGLISH_LOCALES for part in dirs):
        return False
    if p.suffix.lower() in HTML_SUFFIXES and any(
        part.lower() in HTML_SKIPPED_DIRS for part in dirs
    ):
        return False
    if any(_matches(p.name, pat) for pat in rules.exclude_files):
        return False
    if _folder_excluded(dirs, rules.exclude_folders):
        return False
    if rules.folders and dirs:  # root-level files are always included
        return any(
            rel == f or rel.startswith(f + "/") or fnmatch.fnmatch(rel, f + "/*")
            for f in rules.folders
        )
    return True


def select_files(root: Path, rules: SelectionRules) -> list[str]:
    if not root.is_dir():
        raise SourceError(f"Source folder {root} does not exist")
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            if is_selected(rel, rules):
                found.append(rel)
    return sorted(found)
