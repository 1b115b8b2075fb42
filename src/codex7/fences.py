"""Fenced code blocks (``` and ~~~): find them, hide them from the heading parser, split big ones; pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Any indentation: docs nest fences inside list items and JSX (<Steps>, <TabItem>).
# An info string follows a space or starts with a word, `{`, `[`, `.`, `+`, `#` or `-`: a line like
# `~~~~~^^` (Python's traceback carets) is code, not a fence.
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>(?:\s.*|[\w{\[.+#-].*)?)$")
PLACEHOLDER = re.compile(r"^\x00CODE(\d+)\x00$")


@dataclass(frozen=True)
class Fence:
    opening: str  # the whole opening line, e.g. "```tsx filename=\"app/page.tsx\""
    body: list[str]
    closing: str

    @property
    def language(self) -> str | None:
        m = _OPEN.match(self.opening)
        info = (m["info"].strip() if m else "").lstrip("{").strip()
        lang = re.split(r"[\s{},:]", info, maxsplit=1)[0] if info else ""
        return lang.lower() or None

    @property
    def text(self) -> str:
        return "\n".join([self.opening, *self.body, self.closing])


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _find_fences(lines: list[str]) -> Iterator[tuple[int, int, re.Match[str]]]:
    """(opening line, closing line or len(lines) when unclosed, opening match) per block."""
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if m and not (m["fence"][0] == "`" and "`" in m["info"]):
            j = i + 1
            while j < len(lines) and not _closes(lines[j], m["fence"]):
                j += 1
            yield i, j, m
            i = j + 1
        else:
            i += 1


def protect_code(text: str) -> tuple[str, list[Fence]]:
    """Replace each fenced block by one placeholder line. An unclosed fence runs to the end,
    as CommonMark says, and gets a closing line so every chunk has balanced fences."""
    lines = text.split("\n")
    out: list[str] = []
    fences: list[Fence] = []
    prev = 0
    for i, j, m in _find_fences(lines):
        out += lines[prev:i]
        closing = lines[j].strip() if j < len(lines) else m["indent"] + m["fence"]
        fences.append(Fence(lines[i], lines[i + 1 : j], closing))
        out.append(f"\x00CODE{len(fences) - 1}\x00")
        prev = j + 1
    out += lines[prev:]
    return "\n".join(out), fences


def restore_code(text: str, fences: list[Fence]) -> str:
    return "\n".join(
        fences[int(m[1])].text if (m := PLACEHOLDER.match(line)) else line
        for line in text.split("\n")
    )


def split_fence(fence: Fence, budget: int, count: Callable[[str], int]) -> list[str]:
    """Cut an oversized block on line boundaries; every piece re-fenced with the same info."""
    overhead = count(fence.opening) + count(fence.closing) + 2
    pieces: list[str] = []
    current: list[str] = []
    used = overhead
    for line in fence.body:
        cost = count(line) + 1
        if current and used + cost > budget:
            pieces.append("\n".join([fence.opening, *current, fence.closing]))
            current, used = [], overhead
        current.append(line)
        used += cost
    if current or not pieces:
        pieces.append("\n".join([fence.opening, *current, fence.closing]))
    return pieces


def fences_balanced(text: str) -> bool:
    """True when every opening fence in text has its closing line."""
    lines = text.split("\n")
    return all(j < len(lines) for _, j, _ in _find_fences(lines))
