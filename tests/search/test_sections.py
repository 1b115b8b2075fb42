"""Sections, not slivers: grouping candidate chunks into sections, their features, the scorer,
and one snippet per section under the budget; pure."""

from __future__ import annotations

from codex7.search.docs import candidate_limit, section_snippets
from codex7.search.ranking import ChunkEvidence, describe, score
from codex7.store.candidates import Doc


def doc(i: int, path: str, hierarchy: list[str], tokens: int = 100, text: str = "") -> Doc:
    return Doc(
        id=i,
        chunk_index=i,
        source_path=path,
        source_url=None,
        title=" > ".join(hierarchy),
        hierarchy=hierarchy,
        content=text or f"chunk {i}",
        content_hash=f"{i:064x}",
        has_code=False,
        code_language=None,
        token_count=tokens,
    )


DOCS = [
    doc(0, "a.md", ["A"]),
    doc(1, "a.md", ["A", "Setup"]),
    doc(2, "a.md", ["A", "Setup"]),
    doc(3, "a.md", ["A", "Setup"]),
    doc(4, "a.md", ["A", "Usage"]),
    doc(5, "b.md", ["B", "Setup"]),
]


def test_chunks_group_into_sections_with_their_best_evidence() -> None:
    evidence = {
        2: ChunkEvidence(cosine=0.8, vec_rank=1, bm25=2.0, bm25_rank=2, heading_idf=1.0),
        3: ChunkEvidence(cosine=0.5, bm25=1.0, bm25_rank=3),
        4: ChunkEvidence(cosine=0.6, vec_rank=2, bm25=4.0, bm25_rank=1),
        5: ChunkEvidence(cosine=0.3, ident_rank=1),
    }
    sections = {s.key: s for s in describe(DOCS, evidence, query_idf=2.0, identifiers=["Setup"])}
    assert list(sections) == [
        ("a.md", "A"),
        ("a.md", "A > Setup"),
        ("a.md", "A > Usage"),
        ("b.md", "B > Setup"),
    ]
    setup = sections[("a.md", "A > Setup")]
    assert [d.chunk_index for d in setup.docs] == [1, 2, 3]
    f = setup.features
    assert f["vec_max"] == 0.8 and f["vec_gap"] == 0.0 and f["vec_rr"] == 1.0
    assert f["bm25_max"] == 0.5 and f["bm25_sum"] == 0.75
    assert f["heading"] == 0.5 and f["ident_heading"] == 1.0
    assert f["page_support"] > sections[("b.md", "B > Setup")].features["page_support"] == 0.0
    # A section none of whose chunks was retrieved by vector still gets a (low) cosine.
    assert sections[("a.md", "A")].features["vec_max"] < 0.8


def test_the_scorer_orders_by_weighted_features() -> None:
    evidence = {2: ChunkEvidence(cosine=0.8, vec_rank=1), 4: ChunkEvidence(bm25=4.0, bm25_rank=1)}
    sections = describe(DOCS, evidence, query_idf=1.0, identifiers=[])
    by_vector = score(sections, {"vec_rr": 1.0})
    by_text = score(sections, {"bm25_rr": 1.0})
    assert by_vector[0].key == ("a.md", "A > Setup")
    assert by_text[0].key == ("a.md", "A > Usage")


def test_one_snippet_per_section_whole_or_its_best_chunks_in_order() -> None:
    evidence = {
        1: ChunkEvidence(cosine=0.1),
        2: ChunkEvidence(cosine=0.9, vec_rank=1),
        3: ChunkEvidence(cosine=0.8, vec_rank=2),
    }
    big = [doc(i, "a.md", ["A", "Setup"], tokens=700) for i in (1, 2, 3)]
    sections = score(describe(big + [DOCS[4]], evidence, 1.0, []), {"vec_max": 1.0})
    snippets = section_snippets(sections, budget=5000)  # a section may take 1,250 tokens
    assert [d.chunk_index for d in snippets[0].docs] == [2]  # the best chunk that fits
    snippets = section_snippets(sections, budget=12000)  # up to 3,000 tokens: all three, in order
    assert [d.chunk_index for d in snippets[0].docs] == [1, 2, 3]
    assert [d.chunk_index for d in snippets[1].docs] == [4]


def test_repeated_text_is_not_repeated_and_big_budgets_get_more_candidates() -> None:
    same = [doc(1, "a.md", ["A"], text="x"), doc(2, "b.md", ["B"], text="x")]
    same[1].content_hash = same[0].content_hash
    snippets = section_snippets(score(describe(same, {}, 1.0, []), {}), budget=5000)
    assert len(snippets) == 1
    assert candidate_limit(60, 5000) == 60
    assert candidate_limit(60, 20000) == 200
    assert candidate_limit(60, 100000) == 1000


def test_a_section_with_room_takes_its_best_subsections_that_fit() -> None:
    docs = [
        doc(0, "a.md", ["A"]),
        doc(1, "a.md", ["A", "Setup"]),
        doc(2, "a.md", ["A", "Setup", "Linux"], tokens=300),
        doc(3, "a.md", ["A", "Usage"], tokens=900),
        doc(4, "b.md", ["B"]),
    ]
    cosines = {0: 0.9, 3: 0.8, 2: 0.7, 4: 0.5, 1: 0.1}
    evidence = {i: ChunkEvidence(cosine=c) for i, c in cosines.items()}
    sections = score(describe(docs, evidence, 1.0, []), {"vec_max": 1.0})
    snippets = section_snippets(sections, budget=5000)  # a section may take 1,250 tokens
    # A (100) takes Usage (900, ranked next), not Linux (300 > the 250 left), then Setup (100);
    # in document order, each subsection under its heading.
    assert [s.indexes for s in snippets] == [[0, 1, 3], [2], [4]]
    assert snippets[0].content == "chunk 0\n\n#### Setup\n\nchunk 1\n\n#### Usage\n\nchunk 3"
    assert snippets[1].content == "chunk 2"  # its own section: nothing of it was taken


def test_a_section_over_its_share_takes_no_subsections() -> None:
    docs = [doc(0, "a.md", ["A"], tokens=1300), doc(1, "a.md", ["A", "Setup"])]
    evidence = {0: ChunkEvidence(cosine=0.9), 1: ChunkEvidence(cosine=0.5)}
    sections = score(describe(docs, evidence, 1.0, []), {"vec_max": 1.0})
    assert [s.indexes for s in section_snippets(sections, budget=5000)] == [[0], [1]]


def test_at_the_smallest_budget_subsections_take_at_most_half_of_it() -> None:
    docs = [
        doc(0, "a.md", ["A"]),
        doc(1, "a.md", ["A", "Big"], tokens=900),
        doc(2, "a.md", ["A", "Small"], tokens=300),
    ]
    evidence = {
        0: ChunkEvidence(cosine=0.9),
        1: ChunkEvidence(cosine=0.8),
        2: ChunkEvidence(cosine=0.7),
    }
    sections = score(describe(docs, evidence, 1.0, []), {"vec_max": 1.0})
    # 1,000 tokens: A (100) may grow to 500, so Big (900) stays a snippet of its own.
    assert [s.indexes for s in section_snippets(sections, budget=1000)] == [[0, 2], [1]]
    assert [s.indexes for s in section_snippets(sections, budget=5000)] == [[0, 1], [2]]


def test_at_the_smallest_budget_the_best_section_is_cut_to_fit_not_left_out() -> None:
    big = [doc(i, "a.md", ["A"], tokens=400) for i in (1, 2, 3)]
    evidence = {
        1: ChunkEvidence(cosine=0.5),
        2: ChunkEvidence(cosine=0.9),
        3: ChunkEvidence(cosine=0.8),
    }
    sections = score(describe(big, evidence, 1.0, []), {"vec_max": 1.0})
    # 1,000 tokens: the section's best chunks up to 800, not all 1,200 (which would not fit).
    assert [s.indexes for s in section_snippets(sections, budget=1000)] == [[2, 3]]
