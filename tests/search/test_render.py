"""Context7's text formats, byte for byte (shared reference context7.md §1.1 and §1.3); pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from codex7.search.assemble import Snippet
from codex7.search.render import (
    LIBRARY_SEPARATOR,
    NO_LIBRARIES,
    SNIPPET_SEPARATOR,
    LibraryResult,
    render_libraries,
    render_rules,
    render_snippet,
    reputation,
)
from tests.search.docs import doc

ROUTING = Snippet(
    [
        doc(
            3,
            "docs/routing.mdx",
            ("Routing", "Middleware"),
            "Middleware runs before a request is completed.",
            url="https://github.com/vercel/next.js/blob/canary/docs/routing.mdx#middleware",
        ),
        doc(
            4,
            "docs/routing.mdx",
            ("Routing", "Middleware"),
            "```ts\nexport function middleware() {}\n```",
            has_code=True,
        ),
    ]
)

GOLDEN_DOCS = """### Rules for /vercel/next.js

- Use the App Router for new projects.
- Prefer Server Components.

--------------------------------

### Routing > Middleware

Source: https://github.com/vercel/next.js/blob/canary/docs/routing.mdx#middleware

Middleware runs before a request is completed.

```ts
export function middleware() {}
```

--------------------------------

### Install

Source: install.md

Run `npm install next`."""

LIBRARIES = [
    LibraryResult(
        title="Next.js",
        library_id="/vercel/next.js",
        description="The React Framework",
        snippets=1234,
        trust_score=10,
        versions=["/vercel/next.js/15.1.0", "/vercel/next.js/14.2.3"],
        version_tags=["15.1.0", "14.2.3"],
        latest_version="15.1.0",
        total_tokens=456789,
        last_update=datetime(2026, 1, 2, tzinfo=UTC),
    ),
    LibraryResult(
        title="Widgets",
        library_id="/acme/widgets",
        description="Spinning widgets.",
        snippets=0,
        trust_score=-1,
        versions=[],
    ),
]

GOLDEN_LIBRARIES = """Available Libraries:

- Title: Next.js
- Context7-compatible library ID: /vercel/next.js
- Description: The React Framework
- Code Snippets: 1234
- Source Reputation: High
- Versions: /vercel/next.js/15.1.0, /vercel/next.js/14.2.3
----------
- Title: Widgets
- Context7-compatible library ID: /acme/widgets
- Description: Spinning widgets.
- Code Snippets: 0
- Source Reputation: Unknown"""


def test_separators_are_context7s() -> None:
    assert SNIPPET_SEPARATOR == "\n\n" + "-" * 32 + "\n\n"
    assert LIBRARY_SEPARATOR == "\n" + "-" * 10 + "\n"


def test_a_docs_answer_is_rules_then_snippets_between_32_dashes() -> None:
    install = Snippet([doc(0, "install.md", ("Install",), "Run `npm install next`.\n")])
    rules = render_rules(
        "/vercel/next.js", ["Use the App Router for new projects.", "Prefer Server Components."]
    )
    text = SNIPPET_SEPARATOR.join([rules, render_snippet(ROUTING), render_snippet(install)])
    assert text == GOLDEN_DOCS


def test_a_snippet_without_a_url_names_its_path() -> None:
    snippet = Snippet([doc(0, "guide/setup.md", ("Setup",), "  Steps.  ")])
    assert render_snippet(snippet) == "### Setup\n\nSource: guide/setup.md\n\nSteps."


def test_the_library_list_is_context7s() -> None:
    assert render_libraries(LIBRARIES) == GOLDEN_LIBRARIES
    assert render_libraries([]) == NO_LIBRARIES == "No libraries found matching the provided name."


@pytest.mark.parametrize(
    ("trust", "label"),
    [(10, "High"), (7, "High"), (6, "Medium"), (4, "Medium"), (3, "Low"), (0, "Low")]
    + [(-1, "Unknown"), (None, "Unknown")],
)
def test_source_reputation_follows_the_trust_score(trust: int | None, label: str) -> None:
    assert reputation(trust) == label
