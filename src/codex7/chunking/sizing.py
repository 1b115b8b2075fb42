"""Splitting prose that is too big for one chunk, sized by the embedder's own counter.

A block is cut at the strongest boundary that helps: blank lines, then list items and table edges,
then lines, then sentence ends inside an overlong line, then spaces. Every cut is a run of
whitespace, so a URL or an autolink is never cut; whitespace inside a link or image, an inline code
span, a list marker or a table row is not a cut either. A piece that starts inside a table repeats
the table's header and delimiter rows. A unit with no cut left in it stays whole, even over budget.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from codex7.tokens import Counter

PARAGRAPH, BLOCK, LINE, SENTENCE, WORD = range(5)

_WS = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")
_PROTECTED = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\])"  # link, image
    r"|(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)"  # inline code, which may run over a line break
    r"|\[[ xX]\]",  # task-list box
    re.S,
)
_MARKER = re.compile(r"[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+\[[ xX]\])?)?")
_ITEM = re.compile(r"[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_DELIMITER = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_SENTENCE_END = re.compile(r"[.!?][)\]\"'*_]*$")

Range = tuple[int, int]


@dataclass(frozen=True)
class _Gap:
    start: int
    end: int
    level: int


@dataclass(frozen=True)
class _Layout:
    text: str
    gaps: list[_Gap]  # in text order
    starts: list[int]  # gap starts, for bisect
    headers: dict[int, str]  # table body row offset → header and delimiter rows to repeat

    def render(self, a: int, b: int) -> str:
        return self.headers.get(a, "") + self.text[a:b]


def _stripped(text: str, line: Range) -> Range:
    a, b = line
    segment = text[a:b]
    return a + len(segment) - len(segment.lstrip()), a + len(segment.rstrip())


def _lines(text: str) -> list[Range]:
    out: list[Range] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _tables(text: str, lines: list[Range]) -> list[Range]:
    """First and past-the-last line index of each pipe table (header, delimiter, body rows)."""
    tables: list[Range] = []
    i = 0
    while i + 1 < len(lines):
        head, delimiter = (text[a:b] for a, b in lines[i : i + 2])
        if "|" in head and "|" in delimiter and _DELIMITER.fullmatch(delimiter):
            j = i + 2
            while j < len(lines) and "|" in text[slice(*lines[j])]:
                j += 1
            tables.append((i, j))
            i = j
        else:
            i += 1
    return tables


def _layout(text: str) -> _Layout:
    lines = _lines(text)
    protected = bytearray(len(text))
    for paragraph in _PARAGRAPH.finditer(text):  # no span runs over a blank line
        for m in _PROTECTED.finditer(text, *paragraph.span()):
            protected[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    block_starts = {_stripped(text, line)[0] for line in lines if _ITEM.match(text, *line)}
    headers: dict[int, str] = {}
    for i, j in _tables(text, lines):
        (h0, h1), (d0, d1), *rows = (_stripped(text, line) for line in lines[i:j])
        block_starts.add(h0)
        if j < len(lines):
            block_starts.add(_stripped(text, lines[j])[0])  # what follows the table
        # The header, the delimiter and the first row go together; every later row stands alone.
        for a, b in [(h0, rows[0][1] if rows else d1), *rows[1:]]:
            protected[a:b] = b"\x01" * (b - a)
        for a, _ in rows[1:]:
            headers[a] = f"{text[h0:h1]}\n{text[d0:d1]}\n"

    gaps: list[_Gap] = []
    for m in _WS.finditer(text):
        s, e = m.span()
        if s == 0 or e == len(text):
            continue
        newlines = text.count("\n", s, e)
        if newlines >= 2:
            gaps.append(_Gap(s, e, PARAGRAPH))
        elif protected[s]:
            continue
        elif newlines == 1:
            gaps.append(_Gap(s, e, BLOCK if e in block_starts else LINE))
        else:
            line_start = text.rfind("\n", 0, s) + 1
            if _MARKER.fullmatch(text, line_start, s):
                continue  # keep "- ", "1. ", "> " with the word they introduce
            ends_sentence = _SENTENCE_END.search(text, max(line_start, s - 8), s)
            gaps.append(_Gap(s, e, SENTENCE if ends_sentence else WORD))
    return _Layout(text, gaps, [g.start for g in gaps], headers)


def _split(
    layout: _Layout, lo: int, hi: int, level: int, fits: Callable[[Range], bool]
) -> list[Range]:
    """Ranges covering [lo, hi): whole units at the strongest boundary found, packed greedily.

    A unit too big for the budget is split one level down, and its pieces stay its own: they are
    not packed together with the units around it, so pieces begin where the structure does.
    """
    inside = layout.gaps[bisect_right(layout.starts, lo) : bisect_left(layout.starts, hi)]
    for depth in range(level, WORD + 1):
        cuts = [g for g in inside if g.level == depth]
        if cuts:
            break
    else:
        return [(lo, hi)]  # nothing left to cut at: one unit, kept whole
    bounds = [lo, *(x for g in cuts for x in (g.start, g.end)), hi]
    ranges: list[Range] = []
    run: Range | None = None
    for a, b in zip(bounds[::2], bounds[1::2], strict=True):
        if run and fits((run[0], b)):
            run = (run[0], b)
            continue
        if run:
            ranges.append(run)
            run = None
        if fits((a, b)):
            run = (a, b)
        else:
            ranges.extend(_split(layout, a, b, depth + 1, fits))
    if run:
        ranges.append(run)
    return ranges


def split_prose(text: str, budget: int, count: Counter) -> list[str]:
    """Cut an oversized prose block into pieces of at most `budget` tokens, by Markdown structure."""
    lo, hi = len(text) - len(text.lstrip()), len(text.rstrip())
    if lo >= hi:
        return []
    layout = _layout(text)
    ranges = _split(layout, lo, hi, PARAGRAPH, lambda r: count(layout.render(*r)) <= budget)
    return [layout.render(a, b) for a, b in ranges]
