"""The include directives documentation builds understand, as patterns and pure helpers.

FastAPI's `{* path ln[..] hl[..] *}` (markdown-include-variants), markdown-include's `{!path!}`,
mdx_include's `{!> path [ln:2-9] !}`, pymdown snippets (`--8<-- "path:3:9"`, `path:section`, the
block form) and Docusaurus's `import X from '!!raw-loader!./x.py'` with `<CodeBlock>{X}</CodeBlock>`.
`includes` applies them to a source tree.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from codex7.fences import PLACEHOLDER, protect_code

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")  # a tuple: str.endswith takes it

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "jsx",
    ".ts": "typescript",
    ".mts": "typescript",
    ".tsx": "tsx",
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".ps1": "powershell",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".scss": "scss",
    ".json": "json",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".rs": "rust",
    ".go": "go",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".swift": "swift",
    ".sql": "sql",
    ".graphql": "graphql",
    ".vue": "vue",
    ".svelte": "svelte",
    ".jinja": "jinja",
    ".j2": "jinja",
    ".xml": "xml",
    ".txt": "text",
    ".dockerfile": "dockerfile",
}
NAMED_LANGUAGES = {"Dockerfile": "dockerfile", "Makefile": "makefile"}

# FastAPI (markdown-include-variants): {* ../../docs_src/x/tutorial001_py310.py ln[3:8] hl[9] *}
VARIANTS = re.compile(
    r"^(?P<indent>[ \t]*)\{\*[ \t]*(?P<path>[^\s*]+)(?P<args>(?:[ \t]+\w+\[[^\]\n]*\])*)[ \t]*\*\}[ \t]*$"
)
ARG = re.compile(r"(\w+)\[([^\]\n]*)\]")
# markdown-include `{!path!}` / `{!path!lines=1 3-5!}`; mdx_include `{!+ path | utf-8 [ln:2-9] !}`
MD_INCLUDE = re.compile(
    r"(?<!\\)\{![+>-]?[ \t]*(?P<path>[^!|\[\n]+?)[ \t]*(?:\|[ \t]*[\w-]+[ \t]*)?"
    r"(?:\[ln:(?P<ln>[\d.,\s-]+)\][ \t]*)?!(?:lines=(?P<lines>[\d \t-]+)!)?\}"
)
# pymdown snippets: --8<-- "path", and a block of paths between two bare --8<-- lines
SNIPPET = re.compile(
    r"^(?P<indent>[ \t]*)(?P<escape>;*)-+8<-+[ \t]+(?P<q>['\"])(?P<spec>.+?)(?P=q)[ \t]*$"
)
SNIPPET_BLOCK = re.compile(r"^(?P<indent>[ \t]*)(?P<escape>;*)-+8<-+[ \t]*$")
SNIPPET_SPEC = re.compile(
    r"^(?P<path>.+?)(?::(?P<ranges>[\d:,]*\d[\d:,]*|:\d+)|:(?P<section>[\w-]+))?$"
)
SNIPPET_MARK = re.compile(r"-+8<-+[ \t]*\[(start|end):([\w-]+)\]")
# Docusaurus/MDX: import X from '!!raw-loader!./x.py' … <CodeBlock language="py">{X}</CodeBlock>
IMPORT = re.compile(
    r"^import[ \t]+(?P<name>[A-Za-z_$][\w$]*)[ \t]+from[ \t]+(?P<q>['\"])(?P<raw>!!raw-loader!)?"
    r"(?P<path>[^'\"\n]+)(?P=q)[ \t]*;?[ \t]*$",
    re.M,
)
CODE_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)<CodeBlock(?P<attrs>[^>]*)>\s*\{(?P<name>[A-Za-z_$][\w$]*)\}\s*</CodeBlock>[ \t]*$",
    re.M,
)
PARTIAL = re.compile(r"^(?P<indent>[ \t]*)<(?P<name>[A-Z][\w$]*)[ \t]*/>[ \t]*$", re.M)
ATTR = re.compile(r"(\w+)=(?:\"([^\"]*)\"|'([^']*)'|\{[\"']([^\"']*)[\"']\})")


def language_of(path: str) -> str:
    """The fence language for a file: `main.py` → python, `Dockerfile` → dockerfile."""
    p = PurePosixPath(path)
    return NAMED_LANGUAGES.get(p.name) or LANGUAGES.get(p.suffix.lower(), p.suffix[1:].lower())


def fenced(code: str, language: str, title: str | None = None) -> str:
    """A fenced block longer than any backtick run at a line start inside `code`."""
    runs = [len(m[1]) for m in re.finditer(r"^[ \t]*(`{3,})", code, re.M)]
    fence = "`" * max([3, *(n + 1 for n in runs)])
    info = language + (f' title="{title}"' if title else "")
    return f"{fence}{info}\n{code.rstrip(chr(10))}\n{fence}"


def indent_lines(text: str, indent: str) -> str:
    if not indent:
        return text
    return "\n".join(indent + line if line.strip() else line for line in text.split("\n"))


def line_ranges(spec: str, sep: str) -> list[tuple[int, int | None]]:
    """`8:18,20` (sep ':') or `1 3-5` (sep '-') → 1-based inclusive (start, end) pairs."""
    out: list[tuple[int, int | None]] = []
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        start, has_end, end = part.partition(sep)
        first = int(start) if start else 1
        out.append((first, (int(end) if end else None) if has_end else first))
    return out


def select_lines(text: str, ranges: list[tuple[int, int | None]]) -> str:
    """The given line ranges of `text`; non-adjacent ranges are separated by a `...` line."""
    if not ranges:
        return text
    lines = text.split("\n")
    parts: list[str] = []
    last_end: int | None = None
    for start, end in ranges:
        stop = len(lines) if end is None else min(end, len(lines))
        if last_end is not None and start > last_end + 1:
            parts.append("...")
        parts.extend(lines[max(start, 1) - 1 : stop])
        last_end = stop
    return "\n".join(parts)


def snippet_section(text: str, name: str) -> str | None:
    """The lines between `--8<-- [start:name]` and `--8<-- [end:name]`, or None."""
    lines = text.split("\n")
    start = end = None
    for i, line in enumerate(lines):
        for m in SNIPPET_MARK.finditer(line):
            if m[2] == name and m[1] == "start" and start is None:
                start = i + 1
            elif m[2] == name and m[1] == "end" and start is not None and end is None:
                end = i
    if start is None:
        return None
    return "\n".join(lines[start : end if end is not None else len(lines)])


_BASE_PATH = re.compile(r"^([ \t]*)base_path:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.M)


def base_paths(mkdocs_yml: str) -> list[str]:
    """Every `base_path` an include extension is given in mkdocs.yml (mdx_include,
    markdown_include, pymdownx.snippets): a scalar, a flow list or a block list."""
    found: list[str] = []
    lines = mkdocs_yml.split("\n")
    for m in _BASE_PATH.finditer(mkdocs_yml):
        value = m[2]
        if value.startswith("["):
            found += [v.strip().strip("'\"") for v in value.strip("[]").split(",")]
        elif value:
            found.append(value.strip("'\""))
        else:  # a block list on the following lines
            row = mkdocs_yml.count("\n", 0, m.start()) + 1
            for line in lines[row:]:
                item = re.match(r"^[ \t]*-[ \t]+(.+?)[ \t]*$", line)
                if not item:
                    break
                found.append(item[1].strip("'\""))
    return [f for f in found if f and f != "."]


def drop_snippet_marks(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not SNIPPET_MARK.search(line))


def snippet_ranges(spec: str) -> list[tuple[int, int | None]]:
    """pymdown's `4:6`, `4` (to the end), `:6` and `1:3,5:6`."""
    out: list[tuple[int, int | None]] = []
    for part in spec.split(","):
        start, _, end = part.partition(":")
        out.append((int(start) if start else 1, int(end) if end else None))
    return out


def code_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fences included), as
    `codex7.fences` finds them: an unclosed fence runs to the end."""
    prose, fences = protect_code("\n".join(lines))
    mask: list[bool] = []
    for line in prose.split("\n"):
        m = PLACEHOLDER.match(line)
        mask += [True] * (len(fences[int(m[1])].body) + 2) if m else [False]
    return (mask + [False] * len(lines))[: len(lines)]
