"""Just enough reStructuredText → Markdown for chunking: section titles and code blocks."""

from __future__ import annotations

import re

_ADORN = re.compile(r"^([=\-~^\"'`#*+.:_])\1{2,}\s*$")
_DIRECTIVE_CODE = re.compile(r"^(\s*)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$")
_DIRECTIVE = re.compile(r"^\s*\.\. [\w:-]+::.*$")


def _indented_block(lines: list[str], start: int, base: int) -> int:
    """Index after the block indented deeper than `base` that starts at `start`."""
    j = start
    while j < len(lines) and (
        not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > base
    ):
        j += 1
    while j > start and not lines[j - 1].strip():
        j -= 1
    return j


def rst_to_markdown(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    styles: list[str] = []  # adornment styles in order of first use = heading levels
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        # Overlined title: ====\nTitle\n====
        if (
            _ADORN.match(line)
            and i + 2 < len(lines)
            and lines[i + 2].strip() == line.strip()
            and lines[i + 1].strip()
        ):
            style = "o" + line.strip()[0]
            title, i = lines[i + 1].strip(), i + 3
        elif (
            line.strip()
            and not line.startswith(" ")
            and _ADORN.match(nxt)
            and len(nxt.strip()) >= len(line.strip())
        ):
            style = nxt.strip()[0]
            title, i = line.strip(), i + 2
        else:
            code = _DIRECTIVE_CODE.match(line)
            if code or (line.rstrip().endswith("::") and not _DIRECTIVE.match(line)):
                base = len(line) - len(line.lstrip())
                j = i + 1
                while j < len(lines) and (lines[j].strip().startswith(":") or not lines[j].strip()):
                    j += 1  # directive options and blank lines
                end = _indented_block(lines, j, base)
                if end > j:
                    if not code:
                        out.append(
                            line.rstrip()[:-1].rstrip() + (":" if line.strip() != "::" else "")
                        )
                    body = [ln[base + 3 :] if ln.strip() else "" for ln in lines[j:end]]
                    indent = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
                    out += [
                        "",
                        "```" + (code[2] if code else ""),
                        *[b[indent:] for b in body],
                        "```",
                        "",
                    ]
                    i = end
                    continue
            out.append(line)
            i += 1
            continue
        if style not in styles:
            styles.append(style)
        out += ["", "#" * min(styles.index(style) + 1, 6) + " " + title, ""]
    return "\n".join(out)
