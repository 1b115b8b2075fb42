"""The MCP tools' arguments before validation: Context7's aliases, nulls, text and token checks,
and argument errors in words an agent can act on; pure (no server, no database)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ValidationError

from codex7.server.tools import HINTS, agent_message, argument_error, prepare_arguments


@pytest.mark.parametrize(
    ("tool", "given", "expected"),
    [
        (
            "query-docs",
            {"context7CompatibleLibraryID": "/a/b", "userQuery": "how to spin"},
            {"libraryId": "/a/b", "query": "how to spin"},
        ),
        ("query-docs", {"libraryID": "/a/b", "question": "q"}, {"libraryId": "/a/b", "query": "q"}),
        ("query-docs", {"libraryName": "/a/b", "query": "q"}, {"libraryId": "/a/b", "query": "q"}),
        (
            "resolve-library-id",
            {"libraryName": "next.js", "userQuery": "routing"},
            {"libraryName": "next.js", "query": "routing"},
        ),
        (
            "get-library-docs",
            {"libraryId": "/a/b", "query": "routing", "tokens": "2000"},
            {"context7CompatibleLibraryID": "/a/b", "topic": "routing", "tokens": 2000},
        ),
        (
            "get-library-docs",
            {"libraryID": "/a/b", "question": "hooks", "tokens": 3000.0},
            {"context7CompatibleLibraryID": "/a/b", "topic": "hooks", "tokens": 3000},
        ),
    ],
)
def test_aliases_become_the_canonical_arguments(
    tool: str, given: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert prepare_arguments(tool, given) == expected


def test_the_canonical_argument_wins_over_its_alias() -> None:
    args = prepare_arguments("query-docs", {"libraryId": "/a/b", "query": "real", "question": "x"})
    assert args == {"libraryId": "/a/b", "query": "real"}


def test_nulls_are_dropped_so_defaults_apply() -> None:
    args = prepare_arguments("query-docs", {"libraryId": "/a/b", "query": "q", "version": None})
    assert args == {"libraryId": "/a/b", "query": "q"}
    assert prepare_arguments("get-library-docs", {"tokens": None}) == {}


def test_unusable_text_and_tokens_are_refused_with_what_would_do() -> None:
    with pytest.raises(ToolError, match="query must not contain NUL characters"):
        prepare_arguments("query-docs", {"libraryId": "/a/b", "question": "a\x00b"})
    with pytest.raises(ToolError, match="topic must be at most 500 characters"):
        prepare_arguments("get-library-docs", {"topic": "x" * 501})
    with pytest.raises(ToolError, match=r"tokens must be a whole number .*; got 'lots'"):
        prepare_arguments("get-library-docs", {"tokens": "lots"})


def test_tokens_are_left_to_the_schema_on_tools_without_them() -> None:
    args = prepare_arguments("query-docs", {"libraryId": "/a/b", "query": "q", "tokens": "x"})
    assert args["tokens"] == "x"


class QueryArguments(BaseModel):
    libraryId: str
    query: str


def validation_error(arguments: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        QueryArguments.model_validate(arguments)
    return caught.value


def test_argument_errors_name_the_argument_and_what_it_should_hold() -> None:
    missing = validation_error({"libraryId": "/a/b"})
    assert argument_error(missing) == f"query is required: {HINTS['query']}"
    wrong = validation_error({"libraryId": 42, "query": ["a"]})
    assert argument_error(wrong) == (
        f"libraryId must be a string, not a number: {HINTS['libraryId']}; "
        f"query must be a string, not a list: {HINTS['query']}"
    )


def test_an_agent_reads_our_message_without_the_sdk_prefix() -> None:
    refused = ToolError("Error executing tool query-docs: Library not found.\nTry another.")
    assert agent_message("query-docs", refused) == "Library not found.\\nTry another."
    try:
        raise ToolError("ignored") from validation_error({"query": "q"})
    except ToolError as exc:
        assert agent_message("query-docs", exc).startswith("libraryId is required: ")
