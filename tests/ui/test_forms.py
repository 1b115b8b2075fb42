"""The web UI's form checks, client configurations and redirects; pure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from codex7.ui import forms
from codex7.ui.clients import client_configs
from codex7.ui.session import safe_next


def test_a_folder_needs_an_absolute_path_an_id_and_a_version() -> None:
    with pytest.raises(forms.FormErrors) as caught:
        forms.add_library({"kind": "folder", "path": "docs", "library": "acme widgets"})
    assert set(caught.value.errors) == {"path", "library", "version"}
    assert "absolute path" in caught.value.errors["path"]
    assert caught.value.values["library"] == "acme widgets"  # shown again as typed


def test_a_git_source_keeps_its_ref_and_lists_split_on_lines_and_commas() -> None:
    wanted = forms.add_library(
        {
            "kind": "git",
            "repository": "https://github.com/encode/httpx",
            "ref": "0.28.1",
            "library": "encode/httpx",
            "latest": "no",
            "folders": "docs\nguide, api",
            "exclude_files": "CHANGELOG.md",
        }
    )
    assert (wanted.source, wanted.ref, wanted.library) == (
        "https://github.com/encode/httpx",
        "0.28.1",
        "/encode/httpx",
    )
    assert wanted.version is None and wanted.latest is False
    assert wanted.folders == ["docs", "guide", "api"] and wanted.exclude_files == ["CHANGELOG.md"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "git", "repository": "ftp://x/y", "library": "/a/b"}, "repository"),
        ({"kind": "website", "website": "docs.example.com", "library": "/a/b"}, "website"),
        ({"kind": "website", "website": "https://docs.example.com", "library": "/a/b"}, "version"),
        ({"kind": "folder", "path": "/x", "version": "1", "library": "/a/b/1.0"}, "library"),
        ({"kind": "zip", "library": "/a/b"}, "kind"),
        ({"kind": "folder", "path": "/x\x00", "version": "1", "library": "/a/b"}, "path"),
    ],
)
def test_each_refusal_names_its_field(form: dict[str, str], field: str) -> None:
    with pytest.raises(forms.FormErrors) as caught:
        forms.add_library(form)
    assert field in caught.value.errors


def test_schedules_are_the_offered_ones() -> None:
    assert forms.schedule({"every": "86400"}) == timedelta(days=1)
    assert forms.schedule({"every": "0"}) is None
    with pytest.raises(forms.FormErrors):
        forms.schedule({"every": "5"})
    assert forms.schedule_label(timedelta(days=1)) == "every day"
    assert forms.schedule_label(timedelta(days=3)) == "every 3 days"
    assert forms.schedule_label(None) == "by hand"


def test_token_budget_is_clamped_like_the_api() -> None:
    assert forms.tokens("") is None
    assert forms.tokens("200") == forms.MIN_TOKENS
    assert forms.tokens("500000") == forms.MAX_TOKENS
    with pytest.raises(forms.FormErrors):
        forms.tokens("5k")


def test_client_configs_name_this_server_and_never_a_key() -> None:
    configs = {c.client: c for c in client_configs("http://docs.internal:8000")}
    cursor = json.loads(configs["Cursor"].text)
    assert cursor == {"mcpServers": {"codex7": {"url": "http://docs.internal:8000/mcp"}}}
    vscode = json.loads(configs["VS Code"].text)
    assert vscode["servers"]["codex7"] == {"type": "http", "url": "http://docs.internal:8000/mcp"}
    official = json.loads(configs["Official Context7 MCP server"].text)
    assert official["mcpServers"]["context7"]["env"] == {
        "CONTEXT7_API_URL": "http://docs.internal:8000/api"
    }
    keyed = {c.client: c for c in client_configs("http://h:1", needs_key=True)}
    assert "Authorization: Bearer YOUR_CODEX7_KEY" in keyed["Claude Code"].text
    assert json.loads(keyed["Cursor"].text)["mcpServers"]["codex7"]["headers"] == {
        "Authorization": "Bearer YOUR_CODEX7_KEY"
    }


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ui/jobs/3", "/ui/jobs/3"),
        ("/ui/query?library=%2Fa%2Fb", "/ui/query?library=%2Fa%2Fb"),
        ("https://evil.example/ui", "/ui"),
        ("//evil.example/ui", "/ui"),
        ("/api/manage/libraries", "/ui"),
        ("/ui\\@evil", "/ui"),
        (None, "/ui"),
    ],
)
def test_sign_in_returns_only_to_this_servers_pages(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_a_website_takes_crawl_options_given_and_only_those() -> None:
    wanted = forms.add_library(
        {
            "kind": "website",
            "website": "https://docs.example.com/guide/",
            "library": "/example/docs",
            "version": "latest",
            "scope": "host",
            "max_pages": "50",
            "max_depth": "",
            "exclude": "*/changelog/*",
        }
    )
    assert wanted.source == "https://docs.example.com/guide/"
    assert wanted.crawl == {"scope": "host", "max_pages": 50, "exclude": ["*/changelog/*"]}
    plain = forms.add_library(
        {"kind": "website", "website": "https://d.example/", "library": "/a/b", "version": "1"}
    )
    assert plain.crawl is None
    with pytest.raises(forms.FormErrors) as caught:
        forms.add_library(
            {
                "kind": "website",
                "website": "https://d.example/",
                "library": "/a/b",
                "version": "1",
                "max_pages": "0",
                "scope": "galaxy",
            }
        )
    assert set(caught.value.errors) == {"max_pages", "scope"}
