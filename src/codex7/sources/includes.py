"""Documentation include directives resolved against the source tree, as the docs build would.

Paths are tried relative to the page, the nearest `mkdocs.yml` folder (and the include
`base_path`s it sets; `docusaurus.config.*` for `@site/`) and the source root; nothing outside the
root is read. Included code becomes a fenced block with its language (raw text when the directive
sits inside a code block or mid-sentence); included Markdown is inlined with its own directives
resolved. A directive that cannot be resolved stays as written and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path, PurePosixPath

from codex7.sources.directives import (
    ARG,
    ATTR,
    CODE_BLOCK,
    IMPORT,
    MARKDOWN_SUFFIXES,
    MD_INCLUDE,
    PARTIAL,
    SNIPPET,
    SNIPPET_BLOCK,
    SNIPPET_SPEC,
    VARIANTS,
    base_paths,
    code_lines,
    drop_snippet_marks,
    fenced,
    indent_lines,
    language_of,
    line_ranges,
    select_lines,
    snippet_ranges,
    snippet_section,
)

MAX_DEPTH = 8
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Unresolved:
    """A directive left as written: the page it is on, the directive, and why."""

    page: str
    directive: str
    reason: str


@dataclass
class _Resolver:
    root: Path  # resolved
    page: str  # the page being read, for reports
    problems: list[Unresolved] = field(default_factory=list)
    _config_dirs: dict[tuple[PurePosixPath, str], PurePosixPath | None] = field(
        default_factory=dict
    )
    _base_paths: dict[PurePosixPath, list[PurePosixPath]] = field(default_factory=dict)

    # -- finding and reading files -------------------------------------------------------

    def config_dir(self, folder: PurePosixPath, names: tuple[str, ...]) -> PurePosixPath | None:
        """The nearest folder at or above `folder` (inside the root) holding one of `names`."""
        key = (folder, names[0])
        if key not in self._config_dirs:
            found = None
            current: PurePosixPath | None = folder
            while current is not None:
                if any((self.root / current / n).is_file() for n in names):
                    found = current
                    break
                current = current.parent if current != current.parent else None
            self._config_dirs[key] = found
        return self._config_dirs[key]

    def locate(self, folder: PurePosixPath, target: str) -> tuple[PurePosixPath | None, str]:
        """The file `target` names, relative to the root, or None and why not."""
        target = target.strip()
        if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
            return None, "a URL, not a file in the source"
        bases: list[PurePosixPath] = []
        if target.startswith("@site/"):
            site = self.config_dir(folder, ("docusaurus.config.js", "docusaurus.config.ts"))
            bases = [site or PurePosixPath(".")]
            target = target.removeprefix("@site/")
        elif target.startswith("/"):
            bases = [PurePosixPath(".")]
            target = target.lstrip("/")
        else:
            bases = [folder, *self.mkdocs_bases(folder), PurePosixPath(".")]
        outside = inside = False
        for base in dict.fromkeys(bases):
            candidate = (self.root / base / target).resolve()
            if not candidate.is_relative_to(self.root):
                outside = True
                continue
            inside = True
            if candidate.is_file():
                return PurePosixPath(candidate.relative_to(self.root).as_posix()), ""
        if outside and not inside:
            return None, "points outside the source"
        return None, "no such file in the source (tried the page's folder, mkdocs.yml's, the root)"

    def mkdocs_bases(self, folder: PurePosixPath) -> list[PurePosixPath]:
        """The nearest mkdocs.yml's include `base_path` settings, then its own folder."""
        mkdocs = self.config_dir(folder, ("mkdocs.yml", "mkdocs.yaml"))
        if mkdocs is None:
            return []
        if mkdocs not in self._base_paths:
            config = self.read(mkdocs / "mkdocs.yml") or self.read(mkdocs / "mkdocs.yaml") or ""
            self._base_paths[mkdocs] = [mkdocs / p for p in base_paths(config)]
        return [*self._base_paths[mkdocs], mkdocs]

    def read(self, rel: PurePosixPath) -> str | None:
        path = self.root / rel
        try:
            if path.stat().st_size > MAX_BYTES:
                return None
            return path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        except OSError:
            return None

    def fail(self, directive: str, reason: str) -> None:
        self.problems.append(Unresolved(self.page, directive.strip(), reason))

    def include(
        self,
        directive: str,
        folder: PurePosixPath,
        target: str,
        stack: tuple[PurePosixPath, ...],
        pick: Callable[[str], str | None] = lambda text: text,
    ) -> tuple[PurePosixPath, str] | None:
        """Find, read and cut the included file; Markdown comes back with its directives
        resolved. None (and a report) when it cannot be had."""
        rel, why = self.locate(folder, target)
        if rel is None:
            self.fail(directive, why)
            return None
        if rel in stack:
            self.fail(directive, f"{rel} includes itself")
            return None
        if len(stack) > MAX_DEPTH:
            self.fail(directive, f"includes nested deeper than {MAX_DEPTH}")
            return None
        text = self.read(rel)
        if text is None:
            self.fail(directive, f"{rel} cannot be read or is over {MAX_BYTES} bytes")
            return None
        picked = pick(text)
        if picked is None:
            self.fail(directive, f"{rel} has no such lines or section")
            return None
        picked = picked.rstrip("\n")  # the directive's own line ends it
        if rel.suffix.lower() in MARKDOWN_SUFFIXES:
            picked = self.expand(picked, rel.parent, (*stack, rel))
        return rel, picked

    # -- one text ------------------------------------------------------------------------

    def expand(self, text: str, folder: PurePosixPath, stack: tuple[PurePosixPath, ...]) -> str:
        """Resolve every directive in `text` (a page or an included Markdown file in `folder`).
        Lines are changed only where a directive is: the rest of the text stays byte for byte."""
        lines = text.split("\n")
        code = code_lines(lines)
        imports = self._imports([line for line, c in zip(lines, code, strict=True) if not c])
        out: list[str] = []
        for in_code, run in groupby(zip(lines, code, strict=True), key=lambda pair: pair[1]):
            block = [line for line, _ in run]
            if in_code:
                out += [self._line(line, folder, stack, raw=True) for line in block]
            else:
                out.append(self._blocks("\n".join(block), folder, stack, imports))
        for name in imports.raw:  # an import nobody shows still names a file that should exist
            imports.load(name, imports.raw, lambda d, t: self.include(d, folder, t, stack))
        return "\n".join(out)

    def _line(
        self, line: str, folder: PurePosixPath, stack: tuple[PurePosixPath, ...], *, raw: bool
    ) -> str:
        """One line's directive resolved; `raw` (inside a code block): the file's raw text."""
        if "{!" not in line and "8<" not in line and "{*" not in line:
            return line
        m = VARIANTS.match(line)
        if m:
            return self._variants(line, m, folder, stack, raw=raw)
        m = SNIPPET.match(line)
        if m:
            if m["escape"]:
                return line.replace(";", "", 1)
            indent = line[: len(line) - len(line.lstrip())]
            got = self._snippet(line, m["spec"], folder, stack, indent, raw=raw)
            # In a code block an empty file leaves the directive as written, too.
            return line if got is None or (raw and not got) else got
        if MD_INCLUDE.search(line):
            return self._md_include_line(line, folder, stack, in_fence=raw)
        return line

    def _md_include_line(
        self, line: str, folder: PurePosixPath, stack: tuple[PurePosixPath, ...], *, in_fence: bool
    ) -> str:
        """markdown-include works anywhere in a line; a directive alone on a prose line is a
        block (code gets fenced), one inside a code block or mid-sentence is raw text."""
        indent = line[: len(line) - len(line.lstrip())]
        raw = in_fence or MD_INCLUDE.fullmatch(line.strip()) is None
        return MD_INCLUDE.sub(lambda m: self._md_include(m, folder, stack, indent, raw=raw), line)

    def _md_include(
        self,
        m: re.Match[str],
        folder: PurePosixPath,
        stack: tuple[PurePosixPath, ...],
        indent: str,
        *,
        raw: bool,
    ) -> str:
        spec = m["lines"] or re.sub(r"\.\d+", "", m["ln"] or "")  # mdx_include columns: dropped
        lines = line_ranges(spec, "-") if spec.strip() else []
        got = self.include(m[0], folder, m["path"], stack, lambda t: select_lines(t, lines))
        if got is None:
            return m[0]
        return indent_lines(_shown(*got, raw=raw), indent).removeprefix(indent)

    def _snippet(
        self,
        directive: str,
        spec: str,
        folder: PurePosixPath,
        stack: tuple[PurePosixPath, ...],
        indent: str,
        *,
        raw: bool,
    ) -> str | None:
        m = SNIPPET_SPEC.match(spec.strip())
        path, ranges, section = (m["path"], m["ranges"], m["section"]) if m else (spec, None, None)

        def pick(text: str) -> str | None:
            if section:
                text_or_none = snippet_section(text, section)
                return None if text_or_none is None else drop_snippet_marks(text_or_none)
            picked = select_lines(text, snippet_ranges(ranges)) if ranges else text
            return drop_snippet_marks(picked)

        got = self.include(directive, folder, path, stack, pick)
        if got is None:
            return None
        return indent_lines(_shown(*got, raw=raw), indent)

    def _blocks(
        self, prose: str, folder: PurePosixPath, stack: tuple[PurePosixPath, ...], imports: _Imports
    ) -> str:
        """Directives outside code blocks."""
        if "{*" in prose or "{!" in prose or "8<" in prose:
            prose = self._line_directives(prose, folder, stack)
        if imports.raw or imports.partials:
            prose = self._mdx(prose, folder, stack, imports)
        return prose

    def _line_directives(
        self, prose: str, folder: PurePosixPath, stack: tuple[PurePosixPath, ...]
    ) -> str:
        lines = prose.split("\n")
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            indent = line[: len(line) - len(line.lstrip())]
            block = SNIPPET_BLOCK.match(line)
            if block and not block["escape"]:
                end = next(
                    (j for j in range(i + 1, len(lines)) if SNIPPET_BLOCK.match(lines[j])), None
                )
                if end is not None:
                    parts = []
                    for spec_line in lines[i + 1 : end]:
                        spec = spec_line.strip()
                        if not spec or spec.startswith(";"):
                            continue
                        got = self._snippet(spec_line, spec, folder, stack, indent, raw=False)
                        parts.append(got if got is not None else spec_line)
                    out.append("\n\n".join(parts))
                    i = end + 1
                    continue
            out.append(self._line(line, folder, stack, raw=False))
            i += 1
        return "\n".join(out)

    def _variants(
        self,
        line: str,
        m: re.Match[str],
        folder: PurePosixPath,
        stack: tuple[PurePosixPath, ...],
        *,
        raw: bool,
    ) -> str:
        """FastAPI's `{* path ln[..] hl[..] title[".."] *}`: `ln` picks lines, `hl` only
        highlights."""
        args = dict(ARG.findall(m["args"]))
        lines = line_ranges(args["ln"], ":") if args.get("ln") else []
        got = self.include(line, folder, m["path"], stack, lambda t: select_lines(t, lines))
        if got is None:
            return line
        title = args.get("title", "").strip().strip("\"'") or None
        return indent_lines(_shown(*got, raw=raw, title=title), m["indent"])

    def _imports(self, prose_lines: list[str]) -> _Imports:
        imports = _Imports()
        if not any(line.startswith("import") for line in prose_lines):
            return imports
        for m in IMPORT.finditer("\n".join(prose_lines)):
            path = m["path"]
            if m["raw"]:
                imports.raw[m["name"]] = (m[0], path)
            elif PurePosixPath(path).suffix.lower() in MARKDOWN_SUFFIXES and path.startswith(
                (".", "@site/", "/")
            ):
                imports.partials[m["name"]] = (m[0], path)
        return imports

    def _mdx(
        self, prose: str, folder: PurePosixPath, stack: tuple[PurePosixPath, ...], imports: _Imports
    ) -> str:
        """Docusaurus raw-loader imports shown in <CodeBlock>, and imported MDX partials."""

        def include(directive: str, target: str) -> tuple[PurePosixPath, str] | None:
            return self.include(directive, folder, target, stack)

        def code_block(m: re.Match[str]) -> str:
            if m["name"] not in imports.raw:
                return m[0]
            got = imports.load(m["name"], imports.raw, include)
            if got is None:
                return m[0]
            attrs = {a[0]: a[1] or a[2] or a[3] for a in ATTR.findall(m["attrs"])}
            lang = attrs.get("language") or language_of(got[0].name)
            return indent_lines(fenced(got[1], lang, attrs.get("title")), m["indent"])

        def partial(m: re.Match[str]) -> str:
            if m["name"] not in imports.partials:
                return m[0]
            got = imports.load(m["name"], imports.partials, include)
            return indent_lines(got[1], m["indent"]) if got else m[0]

        if imports.raw:
            prose = CODE_BLOCK.sub(code_block, prose)
        if imports.partials:
            prose = PARTIAL.sub(partial, prose)
        return prose


def _shown(rel: PurePosixPath, text: str, *, raw: bool, title: str | None = None) -> str:
    """An included file as the page shows it: Markdown, and any file where `raw` text is wanted,
    as it is; code fenced with its language."""
    if raw or rel.suffix.lower() in MARKDOWN_SUFFIXES:
        return text
    return fenced(text, language_of(rel.name), title)


Loader = Callable[[str, str], "tuple[PurePosixPath, str] | None"]


@dataclass
class _Imports:
    """A page's raw-loader and MDX-partial imports (name → (import line, path)), each read once."""

    raw: dict[str, tuple[str, str]] = field(default_factory=dict)
    partials: dict[str, tuple[str, str]] = field(default_factory=dict)
    loaded: dict[str, tuple[PurePosixPath, str] | None] = field(default_factory=dict)

    def load(
        self, name: str, table: dict[str, tuple[str, str]], include: Loader
    ) -> tuple[PurePosixPath, str] | None:
        if name not in self.loaded:
            self.loaded[name] = include(*table[name])
        return self.loaded[name]


def resolve_includes(root: Path, page: str, text: str) -> tuple[str, list[Unresolved]]:
    """`text` of the page at `page` (relative to `root`) with its include directives resolved,
    and the directives that could not be."""
    if not any(mark in text for mark in ("{!", "{*", "8<", "raw-loader", "import ")):
        return text, []
    resolver = _Resolver(root.resolve(), page)
    rel = PurePosixPath(page)
    return resolver.expand(text, rel.parent, (rel,)), resolver.problems
