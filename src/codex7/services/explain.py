"""The web UI's "try a query": exactly the Context7 text an agent gets, and why: each snippet's
rank and score, which retrievers found its section and at what rank, time per stage."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codex7.services.auth import Principal
from codex7.services.docs import DocsResult, query_docs

if TYPE_CHECKING:
    from codex7.services.state import AppState


@dataclass
class SnippetView:
    rank: int  # place in the answer, 1 first
    section_rank: int | None  # the section's place among every ranked section (None: overview)
    title: str
    breadcrumb: list[str]
    path: str
    url: str | None
    tokens: int
    score: float | None  # the fused section score
    found_by: dict[str, int]  # retriever → rank of the section's best chunk in its list
    features: dict[str, float]
    content: str


@dataclass
class Explanation:
    library: str  # /org/project
    version: str  # the version that answered
    label: str
    text: str  # what query-docs returns, verbatim
    tokens: int
    keyword_only: bool
    snippets: list[SnippetView] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)  # (stage, ms), then total
    candidates: int = 0  # ranked sections before the budget
    list_sizes: dict[str, int] = field(default_factory=dict)  # chunks each retriever returned


def explain_query(
    state: AppState,
    library_id: str,
    question: str | None,
    version: str | None = None,
    tokens: int | None = None,
    *,
    principal: Principal | None = None,
) -> Explanation:
    """Answer as query-docs does for PRINCIPAL (not recorded in query_log), with the ranking
    laid open."""
    started = time.perf_counter()
    result = query_docs(state, library_id, question, tokens, version, principal=principal)
    total_ms = (time.perf_counter() - started) * 1000
    return explanation(result, total_ms)


def explanation(result: DocsResult, total_ms: float) -> Explanation:
    """An Explanation of RESULT; pure."""
    ranked = {s.key: (i, s) for i, s in enumerate(result.sections, 1)}
    positions = {
        name: {doc_id: rank for rank, doc_id in enumerate(ids, 1)}
        for name, ids in result.lists.items()
    }
    views = []
    for i, snippet in enumerate(result.snippets, 1):
        first = snippet.first
        place, section = ranked.get((first.source_path, first.title), (None, None))
        found_by: dict[str, int] = {}
        if section is not None:
            for name, ranks in positions.items():
                hits = [ranks[d.id] for d in section.docs if d.id in ranks]
                if hits:
                    found_by[name] = min(hits)
        views.append(
            SnippetView(
                rank=i,
                section_rank=place,
                title=snippet.title,
                breadcrumb=list(first.hierarchy),
                path=snippet.path,
                url=snippet.url,
                tokens=sum(d.token_count for d in snippet.docs),
                score=section.score if section is not None else None,
                found_by=found_by,
                features=dict(section.features) if section is not None else {},
                content=snippet.content,
            )
        )
    stages = [("embed query", result.embed_seconds * 1000), *result.timings.items()]
    accounted = sum(ms for _, ms in stages)
    stages.append(("assemble and render", max(0.0, total_ms - accounted)))
    target = result.target
    return Explanation(
        library=target.library.identifier,
        version=target.version.version,
        label=target.label,
        text=result.text,
        tokens=result.tokens,
        keyword_only=result.keyword_only,
        snippets=views,
        timings=[*stages, ("total", total_ms)],
        candidates=len(result.sections),
        list_sizes={name: len(ids) for name, ids in result.lists.items()},
    )
