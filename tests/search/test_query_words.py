"""What a question names: code identifiers to match exactly, and the library's own name, which
ranks nothing inside that library; pure."""

from __future__ import annotations

import pytest

from codex7.search.hybrid import identifiers, name_words, without_words


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "How do I use `Depends` with useEffect and model_config?",
            ["Depends", "useEffect", "model_config"],
        ),
        ("What does app.get() return in FastAPI?", ["app.get", "FastAPI"]),
        ("Configure StaticFiles mounting", ["StaticFiles"]),  # a sentence's first word is not one
        ("the on_event hook", ["on_event"]),
        ("how to set a timeout", []),
        ("use `ab` and `x`", []),  # too short to match on
        ("`useState` or useState", ["useState"]),  # once
        # Namespaced names (directives, module specifiers); not a colon before a space or digit.
        ("astro class:list on localhost:3000, note: node:fs", ["class:list", "node:fs"]),
    ],
)
def test_identifiers_are_the_code_like_names(query: str, expected: list[str]) -> None:
    assert identifiers(query) == expected


def test_a_library_is_named_by_its_name_its_stem_and_a_matching_project_or_org() -> None:
    assert name_words("Vue.js", "docs", "vuejs") == {"Vue.js", "Vue", "vuejs"}
    assert name_words("FastAPI", "fastapi", "fastapi") == {"FastAPI", "fastapi"}
    assert name_words("Next.js", "next.js", "vercel") == {"Next.js", "Next", "next.js"}


def test_the_library_name_is_taken_out_of_the_question_unless_nothing_is_left() -> None:
    assert without_words("how to use fastapi routers", {"FastAPI"}).split() == [
        "how",
        "to",
        "use",
        "routers",
    ]
    assert without_words("fastapi", {"fastapi"}) == "fastapi"
    # A longer name that only starts with the library's is kept (next.config.js).
    words = name_words("Next.js", "next.js", "vercel")
    assert without_words("next.js middleware vs next.config.js", words).split() == [
        "middleware",
        "vs",
        "next.config.js",
    ]
