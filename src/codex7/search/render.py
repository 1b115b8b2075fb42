"""Context7's text formats (see shared reference context7.md §1.1 and §1.3); pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from codex7.search.assemble import Snippet

SNIPPET_SEPARATOR = "\n\n" + "-" * 32 + "\n\n"
LIBRARY_SEPARATOR = "\n" + "-" * 10 + "\n"
NO_LIBRARIES = "No libraries found matching the provided name."


def render_snippet(snippet: Snippet) -> str:
    source = snippet.url or snippet.path
    return f"### {snippet.title}\n\nSource: {source}\n\n{snippet.content.strip()}"


def render_rules(library_id: str, rules: Sequence[str]) -> str:
    lines = "\n".join(f"- {r}" for r in rules)
    return f"### Rules for {library_id}\n\n{lines}"


def reputation(trust_score: int | None) -> str:
    if trust_score is None or trust_score < 0:
        return "Unknown"
    return "High" if trust_score >= 7 else "Medium" if trust_score >= 4 else "Low"


@dataclass
class LibraryResult:
    title: str
    library_id: str
    description: str
    snippets: int
    trust_score: int
    versions: list[str]  # full IDs: /org/project/version
    version_tags: list[str] = field(default_factory=list)  # bare: 0.28.1
    latest_version: str | None = None
    total_tokens: int = 0
    last_update: datetime | None = None


def render_libraries(results: Sequence[LibraryResult]) -> str:
    if not results:
        return NO_LIBRARIES
    blocks = []
    for r in results:
        lines = [
            f"- Title: {r.title}",
            f"- Context7-compatible library ID: {r.library_id}",
            f"- Description: {r.description}",
            f"- Code Snippets: {r.snippets}",
            f"- Source Reputation: {reputation(r.trust_score)}",
        ]
        if r.versions:
            lines.append(f"- Versions: {', '.join(r.versions)}")
        blocks.append("\n".join(lines))
    return "Available Libraries:\n\n" + LIBRARY_SEPARATOR.join(blocks)
