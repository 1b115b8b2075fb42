"""Generated Markdown: fences always balanced, code never lost or reordered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codex7.chunking import chunk_file
from codex7.fences import fences_balanced, protect_code
from codex7.records import SourceFile

words = st.text(alphabet="abcdefghij #*", min_size=1, max_size=12)
prose = st.lists(words, min_size=1, max_size=40).map(" ".join)
code_line = st.text(alphabet="abcxyz =#()", max_size=30).map(lambda s: "v" + s)
fence = st.tuples(
    st.sampled_from(["```", "~~~", "````"]),
    st.sampled_from(["", "python", 'ts title="a.ts"']),
    st.lists(code_line, max_size=40),
)
heading = st.tuples(st.integers(1, 4), st.text(alphabet="abcdef ", min_size=1, max_size=10))
block = st.one_of(prose, fence, heading)


def render(blocks: list) -> tuple[str, list[list[str]]]:
    parts, codes = [], []
    for b in blocks:
        if isinstance(b, str):
            parts.append(b)
        elif len(b) == 3:
            marker, info, lines = b
            parts.append("\n".join([marker + info, *lines, marker]))
            codes.append(lines)
        else:
            parts.append("#" * b[0] + " " + (b[1].strip() or "h"))
    return "\n\n".join(parts) + "\n", codes


@settings(max_examples=150, deadline=None)
@given(st.lists(block, min_size=1, max_size=15), st.integers(40, 200))
def test_fences_balanced_and_code_lines_preserved(blocks: list, budget: int) -> None:
    text, codes = render(blocks)
    chunks = chunk_file(
        SourceFile("g.md", text), max_tokens=budget, count=lambda s: len(s.split()) + 1
    )
    for c in chunks:
        assert fences_balanced(c.content)
    # Every non-blank code line survives inside a fence, once, in order.
    expected = [ln for lines in codes for ln in lines if ln.strip()]
    got = [ln for c in chunks for f in protect_code(c.content)[1] for ln in f.body if ln.strip()]
    assert got == expected
