"""Oversized prose is cut by Markdown structure: never inside a table row, link, code span or word."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from codex7.chunking import chunk_file
from codex7.chunking.sizing import split_prose
from codex7.records import SourceFile
from codex7.tokens import Counter, tiktoken_counter

count = tiktoken_counter()
HEADER, DELIMITER = "| Setting | Meaning |", "|---|---|"
DATETIME = "[datetime](https://docs.python.org/3/library/datetime.html)"


def table(rows: list[str]) -> str:
    return "\n".join([HEADER, DELIMITER, *rows])


def test_long_table_is_split_by_rows_with_the_header_repeated() -> None:
    rows = [f"| `batch_size_{i}` | Texts per embedding call. See {DATETIME}. |" for i in range(40)]
    pieces = split_prose(table(rows), 120, count)
    assert len(pieces) > 3
    body_rows = []
    for piece in pieces:
        lines = piece.split("\n")
        assert lines[:2] == [HEADER, DELIMITER]
        assert count(piece) <= 120
        body_rows += lines[2:]
    assert body_rows == rows  # every row once, whole, in order
    assert all(p.count("\n| `batch") > 1 for p in pieces[:-1]), "rows are packed, not one each"


def test_a_table_that_fits_stays_whole_while_the_block_around_it_is_split() -> None:
    small = table([f"| `opt_{i}` | Meaning of option {i}. |" for i in range(4)])
    intro = "\n".join(f"Line {i} of the introduction says a few more words." for i in range(12))
    pieces = split_prose(f"{intro}\n{small}\nA closing line.", 80, count)
    assert any(small in p for p in pieces)
    assert all(count(p) <= 80 for p in pieces)


def test_chunks_of_a_document_never_hold_part_of_a_table_row() -> None:
    rows = [f"| `embed_batch_{i}` | Texts per embedding call. |" for i in range(30)]
    doc = f"# Config\n\nThe settings:\n\n{table(rows)}\n\nThat is all.\n"
    chunks = chunk_file(SourceFile("c.md", doc), max_tokens=80, count=count)
    seen = []
    for c in chunks:
        lines = c.content.split("\n")
        assert "|" not in lines
        table_lines = [ln for ln in lines if ln.startswith("|")]
        if table_lines:
            assert table_lines[:2] == [HEADER, DELIMITER]
            assert set(table_lines[2:]) <= set(rows)
            seen += table_lines[2:]
    assert seen == rows


def test_long_line_is_cut_at_sentence_ends_never_inside_links_or_code() -> None:
    sentences = [
        f"Step {i} calls `client.embed(texts. batch_size={i})` as the "
        f"[datetime module. See it](https://docs.python.org/3/library/datetime.html) shows."
        for i in range(20)
    ]
    line = " ".join(sentences)
    pieces = split_prose(line, 60, count)
    assert len(pieces) > 3
    assert " ".join(pieces) == line
    for piece in pieces:
        assert count(piece) <= 60
        assert piece.startswith("Step ") and piece.endswith(" shows.")


def test_an_overlong_sentence_is_cut_between_words_and_long_units_stay_whole() -> None:
    url = "https://example.com/" + "/".join(f"segment{i}.html" for i in range(40))
    atoms = [
        DATETIME,
        "![diagram of the flow](img/flow.png)",
        "`ls -la /tmp. again`",
        f"<{url}>",
        url,
        f"[a link whose text goes on and on {' and on' * 30}]({url})",
    ]
    line = " ".join(f"word{i} {atom} filler words here" for i, atom in enumerate(atoms * 3))
    pieces = split_prose(line, 20, count)
    assert " ".join(pieces) == line
    for atom in atoms:
        assert sum(p.count(atom) for p in pieces) == line.count(atom)
    for piece in pieces:
        assert count(piece) <= 20 or piece in atoms


def test_list_items_are_kept_whole() -> None:
    items = [
        f"- Item {i} embeds `texts[{i}]` in one call.\n  It continues on a second line."
        + (f"\n  - Nested note {i} about the call." if i % 3 == 0 else "")
        for i in range(12)
    ]
    block = "Steps to follow:\n" + "\n".join(items)
    pieces = split_prose(block, 50, count)
    assert len(pieces) > 3
    # A piece that starts at a nested item starts at its marker, without the indent.
    assert "\n".join(pieces).replace("\n- Nested", "\n  - Nested") == block
    for piece in pieces:
        assert count(piece) <= 50
        assert piece.startswith(("- Item", "- Nested", "Steps"))


def test_lines_are_kept_whole_before_sentences_are_cut() -> None:
    lines = [f"Wrapped line {i} ends here. The next sentence runs on to line" for i in range(30)]
    pieces = split_prose("\n".join(lines), 40, count)
    assert "\n".join(pieces) == "\n".join(lines)
    assert all(set(p.split("\n")) <= set(lines) and count(p) <= 40 for p in pieces)


# ── property: generated prose of words, links, inline code and tables ──

WORD = st.text("abcdefghij", min_size=1, max_size=7)
PUNCT = st.sampled_from(["", "", "", ".", ",", "!", "?"])
TEXT_WORD = st.tuples(WORD, PUNCT).map("".join)
LINK = st.builds(
    lambda words, page, image: f"{'!' * image}[{' '.join(words)}](https://x.org/{page}.html)",
    st.lists(TEXT_WORD, min_size=1, max_size=4),
    WORD,
    st.booleans(),
)
CODE = st.text("abc. ()=", min_size=1, max_size=15).filter(str.strip).map(lambda s: f"`{s}`")
TOKEN = st.one_of(st.tuples(st.just(False), TEXT_WORD), st.tuples(st.just(True), LINK | CODE))
LINE = st.lists(TOKEN, min_size=1, max_size=12)


@dataclass
class Doc:
    parts: list[str] = field(default_factory=list)
    atoms: list[tuple[int, int]] = field(default_factory=list)  # never cut inside these
    headers: dict[int, str] = field(default_factory=dict)  # later row start → repeated header

    @property
    def pos(self) -> int:
        return sum(map(len, self.parts))

    def add(self, text: str, atom: bool = False) -> None:
        if atom:
            self.atoms.append((self.pos, self.pos + len(text)))
        self.parts.append(text)

    def add_line(self, tokens: list[tuple[bool, str]]) -> None:
        for i, (atom, text) in enumerate(tokens):
            self.add(" " * (i > 0))
            self.add(text, atom)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, Doc]:
    doc = Doc()
    kinds = draw(st.lists(st.sampled_from(["prose", "table"]), min_size=1, max_size=6))
    for n, kind in enumerate(kinds):
        if n:
            both_tables = kind == kinds[n - 1] == "table"
            doc.add("\n\n" if both_tables else draw(st.sampled_from(["\n", "\n\n"])))
        if kind == "prose":
            for i, line in enumerate(draw(st.lists(LINE, min_size=1, max_size=4))):
                doc.add("\n" * (i > 0))
                doc.add_line(line)
            continue
        head, start = f"| head{n} | col{n} |\n|---|---|", doc.pos
        doc.add(head)
        for i, cells in enumerate(draw(st.lists(st.tuples(LINE, LINE), min_size=1, max_size=8))):
            doc.add("\n")
            row_start = doc.pos
            doc.add("| ")
            doc.add_line(cells[0])
            doc.add(" | ")
            doc.add_line(cells[1])
            doc.add(" |")
            doc.atoms.append((start if i == 0 else row_start, doc.pos))
            if i:
                doc.headers[row_start] = head + "\n"
    return "".join(doc.parts), doc


def by_words(text: str) -> int:
    return len(text.split())


def by_chars(text: str) -> int:
    return len(text) // 6 + 1


@settings(max_examples=150, deadline=None)
@given(documents(), st.integers(1, 60), st.sampled_from([by_words, by_chars]))
def test_pieces_fit_keep_every_word_in_order_and_never_cut_a_unit(
    generated: tuple[str, Doc], budget: int, counter: Counter
) -> None:
    text, doc = generated
    pieces = split_prose(text, budget, counter)
    pos, bodies = 0, []
    for piece in pieces:
        body = piece
        start = text.find(body, pos)
        if start < 0 or text[pos:start].strip():  # a table's later rows, under its header
            head, delimiter, body = piece.split("\n", 2)
            start = text.find(body, pos)
            assert doc.headers.get(start) == f"{head}\n{delimiter}\n"
        else:
            assert start not in doc.headers, "a piece starting at a later row repeats the header"
        assert start >= 0 and not text[pos:start].strip(), "pieces follow each other in the text"
        bodies.append((start, start + len(body)))
        pos = start + len(body)
    assert not text[pos:].strip()
    assert [w for s, e in bodies for w in text[s:e].split()] == text.split()

    for piece, (s, e) in zip(pieces, bodies, strict=True):
        for lo, hi in doc.atoms:
            assert not lo < s < hi and not lo < e < hi, (text[lo:hi], piece)
        if counter(piece) > budget:  # only a unit with no space outside links, code and rows
            spaces = [s + m.start() for m in re.finditer(r"\s", text[s:e])]
            assert all(any(lo <= i < hi for lo, hi in doc.atoms) for i in spaces), piece
