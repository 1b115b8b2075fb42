"""A library's display name and description, read from the source when --name is not given."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codex7.sources.select import Context7Config

GENERIC = {"docs", "doc", "documentation", "website", "site", "www", "web", "homepage"}
# Template defaults nobody means as a name.
_PLACEHOLDERS = {"my site", "my docs", "my project", "my website", "my awesome project"}
LOCAL_PARENT_LEVELS = 3


@dataclass(frozen=True)
class DerivedName:
    name: str
    description: str | None = None
    source: str = "id"  # the file the name came from, or "id"


Found = tuple[str | None, str | None]  # (name, description) read from one file


def is_generic(name: str) -> bool:
    """`docs`, `Website`, `@withastro/docs`, `docs-site`: says nothing about the library."""
    bare = name.strip().lower().rsplit("/", 1)[-1]
    words = [w for w in re.split(r"[^a-z0-9]+", bare) if w]
    return not words or all(w in GENERIC for w in words) or name.strip().lower() in _PLACEHOLDERS


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    except OSError:
        return None


def _clean(text: str | None) -> str | None:
    if not isinstance(text, str):
        return None
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)
    text = " ".join(text.replace("`", "").replace("**", "").split()).strip(" #:-")
    return text or None


def _yaml_value(text: str, key: str) -> str | None:
    m = re.search(rf"^{key}:[ \t]*(['\"]?)(.+?)\1[ \t]*(#.*)?$", text, re.M)
    return m.group(2) if m else None


def _mkdocs(folder: Path) -> Found:
    for file in ("mkdocs.yml", "mkdocs.yaml"):
        text = _read(folder / file)
        if text:
            return _yaml_value(text, "site_name"), _yaml_value(text, "site_description")
    return None, None


def _js_value(text: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*:\s*(['\"`])(.+?)\1", text)
    return m.group(2) if m else None


def _js_config(folder: Path, names: tuple[str, ...], description_key: str) -> Found:
    for file in names:
        text = _read(folder / file)
        if text:
            return _js_value(text, "title"), _js_value(text, description_key)
    return None, None


def _docusaurus(folder: Path) -> Found:
    return _js_config(folder, ("docusaurus.config.js", "docusaurus.config.ts"), "tagline")


def _vitepress(folder: Path) -> Found:
    names = tuple(f".vitepress/config.{ext}" for ext in ("js", "ts", "mts", "mjs"))
    return _js_config(folder, names, "description")


def _astro(folder: Path) -> Found:
    return _js_config(folder, ("astro.config.mjs", "astro.config.ts"), "description")


def _package_json(folder: Path) -> Found:
    text = _read(folder / "package.json")
    try:
        data = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return data.get("name"), data.get("description")


def _pyproject(folder: Path) -> Found:
    text = _read(folder / "pyproject.toml")
    try:
        project = tomllib.loads(text).get("project") if text else None
    except tomllib.TOMLDecodeError:
        return None, None
    if not isinstance(project, dict):
        return None, None
    return project.get("name"), project.get("description")


def _readme(folder: Path) -> Found:
    for file in ("README.md", "readme.md", "Readme.md", "README.markdown"):
        text = _read(folder / file)
        if text:
            m = re.search(r"^#[ \t]+(.+?)[ \t#]*$|^(\S.*)\n=+[ \t]*$", text, re.M)
            return ((m.group(1) or m.group(2)) if m else None), None
    return None, None


# Site generators and package manifests name the project better than a README heading.
READERS: list[tuple[str, Callable[[Path], Found]]] = [
    ("mkdocs.yml", _mkdocs),
    ("docusaurus.config", _docusaurus),
    (".vitepress/config", _vitepress),
    ("astro.config", _astro),
    ("package.json", _package_json),
    ("pyproject.toml", _pyproject),
]


def search_folders(root: Path, max_levels: int = LOCAL_PARENT_LEVELS) -> list[Path]:
    """The root, then parents up to `max_levels`, stopping at the repository root (`.git`)."""
    folders = [root]
    current = root
    for _ in range(max_levels):
        if (current / ".git").exists() or current.parent == current:
            break
        current = current.parent
        folders.append(current)
    return folders


_ORG_AFFIX = re.compile(
    r"^(?:with|use|get)(?=[a-z]{3})|(?<=[a-z]{3})(?:js|hq|labs|dev|io|org|team|inc)$"
)


def fallback_name(org: str, project: str) -> str:
    """The project part of the ID, or, when the project is generic, the org capitalised without
    the affixes GitHub orgs add to a product's name (`withastro` → Astro, `vuejs` → Vue)."""
    if is_generic(project):
        core = _ORG_AFFIX.sub("", org.lower()) or org
        return core[:1].upper() + core[1:]
    return project


def derive_name(
    root: Path,
    org: str,
    project: str,
    config: Context7Config | None = None,
    *,
    max_levels: int = LOCAL_PARENT_LEVELS,
) -> DerivedName:
    """The first usable name in: context7.json, site configs and manifests (nearest folder
    first), the README's first heading, the ID. A checkout's root holds `.git`, so only a local
    docs folder is looked at from above."""
    folders = search_folders(root, max_levels)
    description = _clean(config.description) if config else None
    title = _clean(config.project_title) if config else None
    if title and not is_generic(title):
        return DerivedName(title, description, "context7.json")
    found: list[tuple[str, Found]] = []
    for folder in folders:
        found += [(label, read(folder)) for label, read in READERS]
    for folder in folders:
        found.append(("README", _readme(folder)))
    description = description or next((_clean(d) for _, (_, d) in found if _clean(d)), None)
    for label, (name, desc) in found:
        cleaned = _clean(name)
        if cleaned and not is_generic(cleaned):
            return DerivedName(cleaned, _clean(desc) or description, label)
    return DerivedName(fallback_name(org, project), description, "id")


def derive_site_name(
    name: str | None, description: str | None, org: str, project: str
) -> DerivedName:
    """A website's name and description as its crawl found them (llms.txt's H1 and summary,
    og:site_name or <title>, the meta description), cleaned and judged like the names above;
    the ID when the site names nothing usable."""
    cleaned, summary = _clean(name), _clean(description)
    if cleaned and not is_generic(cleaned):
        return DerivedName(cleaned, summary, "site")
    return DerivedName(fallback_name(org, project), summary, "id")
