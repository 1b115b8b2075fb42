"""Ranked chunks → snippets under a budget: complete thoughts, merged, no duplicates; pure."""

from __future__ import annotations

from codex7.search.assemble import Snippet, clamp_tokens, fill, group
from tests.search.docs import doc

CODE = "```python\nwidget.spin()\n```"


def indexes(snippets: list[Snippet]) -> list[list[int]]:
    return [s.indexes for s in snippets]


def test_budget_is_clamped_like_context7_not_rejected() -> None:
    assert clamp_tokens(None) == 5000
    assert clamp_tokens(None, default=8000) == 8000
    assert clamp_tokens(10) == 1000
    assert clamp_tokens(3000) == 3000
    assert clamp_tokens(10**9) == 100_000


def test_a_code_hit_brings_the_prose_before_it() -> None:
    hit = doc(2, text=CODE, has_code=True)
    assert indexes(group([hit], {1: doc(1, text="Spin it:")})) == [[1, 2]]


def test_a_prose_hit_brings_the_code_after_it() -> None:
    after = doc(2, text=CODE, has_code=True)
    assert indexes(group([doc(1, text="Spin it:")], {2: after})) == [[1, 2]]


def test_neighbours_from_another_section_stay_out() -> None:
    hit = doc(2, text=CODE, has_code=True)
    before = doc(1, hierarchy=("A", "Other"), text="Unrelated:")
    assert indexes(group([hit], {1: before})) == [[2]]
    elsewhere = doc(1, path="b.md", text="Unrelated:")
    assert indexes(group([hit], {1: elsewhere})) == [[2]]


def test_adjacent_hits_of_a_section_merge_and_the_best_comes_first() -> None:
    ranked = [doc(5), doc(1, path="b.md"), doc(4), doc(6)]
    assert indexes(group(ranked, {})) == [[4, 5, 6], [1]]


def test_text_already_taken_is_not_repeated() -> None:
    ranked = [doc(1, content_hash="h"), doc(7, path="b.md", content_hash="h"), doc(1)]
    assert indexes(group(ranked, {})) == [[1]]


def test_a_snippet_reads_as_its_first_chunk_and_joins_the_texts() -> None:
    snippet = Snippet(
        [
            doc(3, "guide.md", ("Guide", "Spin"), "Spin it:", url="https://e.x/guide#spin"),
            doc(4, "guide.md", ("Guide", "Spin"), CODE),
        ]
    )
    assert (snippet.title, snippet.path, snippet.url) == (
        "Guide > Spin",
        "guide.md",
        "https://e.x/guide#spin",
    )
    assert snippet.indexes == [3, 4]
    assert snippet.content == f"Spin it:\n\n{CODE}"


def test_fill_takes_blocks_in_order_and_skips_those_too_big_for_what_is_left() -> None:
    blocks = ["aaaa", "bbbbbbbbbb", "cc", "d"]
    # 4, then 2 + 2 for "cc" with its separator: 8; "d" would need 3 more.
    assert fill(blocks, 8, len, "--") == [0, 2]
    assert fill(blocks, 100, len, "--") == [0, 1, 2, 3]
    assert fill(blocks, 3, len, "--") == [2]  # the first block taken pays no separator
    assert fill([], 100, len, "--") == []
