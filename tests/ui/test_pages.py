"""The web UI in headless Chromium: add a folder library through the form, watch its job's live
progress to the end, find it in the list, try a query, change it, remove a version; who may do
what; cancelling a job."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from tests.ui.conftest import ADMIN, READER, Gate, live_ui, sign_in, snap, ui_settings


def write_docs(root: Path, product: str) -> Path:
    (root / "guide").mkdir(parents=True)
    (root / "index.md").write_text(f"# {product}\n\n{product} render reports for teams.\n")
    (root / "guide" / "setup.md").write_text(
        "# Setup\n\n## Install\n\nRun `pip install widgets`.\n\n## Configure\n\n"
        "Set the colour before the first report:\n\n"
        "```python\nwidgets.configure(colour='blue')\n```\n"
    )
    (root / "guide" / "reports.md").write_text(
        "# Reports\n\n## Scheduling reports\n\nCall `widgets.schedule(report, every='1d')` to "
        "send a report daily.\n"
    )
    (root / "context7.json").write_text(
        json.dumps({"rules": ["Call widgets.configure() before any report."]})
    )
    return root


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docs(tmp_path_factory.mktemp("widgets") / "widgets-docs", "Widgets")


@pytest.fixture(scope="module")
def base(module_db: str, gate: Gate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = ui_settings(
        module_db,
        tmp_path_factory.mktemp("data"),
        admin_keys=SecretStr(ADMIN),
        api_keys=SecretStr(READER),
    )
    with live_ui(settings, worker=True) as url:
        yield url


def test_root_redirects_and_reading_needs_a_key(page: Any, base: str) -> None:
    page.goto(base + "/")
    # API keys are configured: no anonymous reading, so the sign-in page comes first.
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))
    page.get_by_label("API or admin key").fill("not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Invalid API key")
    snap(page, "login")
    page.get_by_label("API or admin key").fill(READER)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Libraries")).to_be_visible()
    expect(page.get_by_text("read only")).to_be_visible()
    # A reader sees no way to change anything, and is refused if they try.
    expect(page.get_by_role("link", name="Add a library").first).to_be_visible()
    page.goto(base + "/ui/libraries/new")
    expect(page.get_by_role("alert")).to_contain_text("needs an admin key")


def test_cookie_is_httponly_strict_and_posts_need_this_origin(page: Any, base: str) -> None:
    sign_in(page, base, ADMIN)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "codex7_key"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
    form = {"kind": "folder", "path": "/tmp", "library": "/a/b", "version": "1"}
    with httpx.Client(base_url=base, cookies={"codex7_key": ADMIN}) as client:
        missing = client.post("/ui/libraries/new", data=form)
        assert missing.status_code == 403 and "Origin" in missing.text
        forged = client.post(
            "/ui/libraries/new", data=form, headers={"Origin": "http://evil.example"}
        )
        assert forged.status_code == 403
        assert "Traceback" not in forged.text and ADMIN not in forged.text


def test_add_watch_find_query_remove(page: Any, base: str, docs: Path, gate: Gate) -> None:
    sign_in(page, base, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Add a library").click()
    expect(page.get_by_role("heading", name="Add a library")).to_be_visible()
    # Checked as it is typed: a malformed ID, then a folder that does not exist.
    library = page.get_by_label("Library ID")
    library.fill("acme widgets")
    expect(page.locator("#e-library")).to_contain_text("A library ID is /org/project")
    expect(library).to_have_attribute("aria-invalid", "true")
    library.fill("/acme/widgets")
    expect(page.locator("#e-library")).to_be_empty()
    folder = page.get_by_label("Folder path")
    folder.fill(str(docs) + "-missing")
    expect(page.locator("#e-path")).to_contain_text("There is no folder")
    folder.fill(str(docs))
    expect(page.locator("#e-path")).to_be_empty()
    page.get_by_label("Version", exact=True).fill("1.0")
    snap(page, "add")

    gate.close()  # the job will wait in its embedding stage until the gate opens
    page.get_by_role("button", name="Index it").click()
    expect(page).to_have_url(re.compile(r"/ui/jobs/\d+$"))
    assert gate.waiting.wait(30), "the job never reached its embedding stage"
    # Live progress over SSE: the page shows the job running with its files read.
    status = page.locator("#job-status")
    expect(status).to_have_text("running")
    expect(page.locator('[data-field="files_done"]')).to_have_text("3")
    expect(page.locator('[data-field="stage"]')).to_have_text("embedding")
    snap(page, "job-running")
    gate.open()
    expect(status).to_have_text("succeeded", timeout=60_000)
    expect(page.get_by_text("Indexed 3 files into")).to_be_visible()
    snap(page, "job")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs").click()
    expect(page.locator("#jobs-table tbody tr").first).to_contain_text("succeeded")
    snap(page, "jobs")

    # Found in the list, with the filter box narrowing it as one types.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Libraries").click()
    row = page.locator("#libraries-table tbody tr", has_text="/acme/widgets")
    expect(row).to_be_visible()
    expect(row).to_contain_text("1.0")
    page.get_by_label("Filter").fill("no-such-thing")
    expect(row).to_be_hidden()
    expect(page.locator("#filter-count")).to_have_text("0 of 1 libraries")
    page.get_by_label("Filter").fill("widg")
    expect(row).to_be_visible()
    snap(page, "libraries")

    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("/acme/widgets")
    expect(page.locator(".rules")).to_contain_text("Call widgets.configure() before any report.")
    page.get_by_label("Refresh automatically").select_option(label="every day")
    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_role("status")).to_contain_text("refreshed every day")
    snap(page, "library")

    # Try a query: the agent's text, and the ranking behind it.
    page.get_by_role("link", name="Try a query").first.click()
    expect(page.get_by_label("Library")).to_have_value("/acme/widgets")
    page.get_by_label("Question").fill("configure the colour")
    page.get_by_role("button", name="Ask").click()
    answer = page.locator("#agent-text")
    expect(answer).to_contain_text("widgets.configure(colour='blue')")
    expect(answer).to_contain_text("Call widgets.configure() before any report.")
    rows = page.locator("#snippets-table tbody tr")
    expect(rows.first).to_be_visible()
    expect(rows.first.locator("td").first).to_have_text("1")
    expect(page.locator("#snippets-table")).to_contain_text(re.compile(r"(bm25|vector) #\d+"))
    expect(page.locator("#timings-table")).to_contain_text("total")
    snap(page, "query")

    # Remove the version, after a confirmation page.
    page.goto(base + "/ui/libraries/acme/widgets")
    page.get_by_role("link", name="Remove version 1.0").click()
    expect(page.get_by_role("heading", name=re.compile("Remove version 1.0"))).to_be_visible()
    snap(page, "remove")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_have_text("Removed /acme/widgets/1.0.")
    expect(page.get_by_text("No version is indexed.")).to_be_visible()


def test_cancel_a_running_job(page: Any, base: str, tmp_path: Path, gate: Gate) -> None:
    docs = write_docs(tmp_path / "gadgets-docs", "Gadgets")
    sign_in(page, base, ADMIN)
    page.goto(base + "/ui/libraries/new")
    page.get_by_label("Folder path").fill(str(docs))
    page.get_by_label("Library ID").fill("/acme/gadgets")
    page.get_by_label("Version", exact=True).fill("2.0")
    gate.close()
    try:
        page.get_by_role("button", name="Index it").click()
        expect(page).to_have_url(re.compile(r"/ui/jobs/\d+$"))
        assert gate.waiting.wait(30), "the job never reached its embedding stage"
        expect(page.locator("#job-status")).to_have_text("running")
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_role("status").first).to_contain_text("stops at its next checkpoint")
        expect(page.get_by_role("button", name="Cancelling…")).to_be_disabled()
    finally:
        gate.open()
    expect(page.locator("#job-status")).to_have_text("cancelled", timeout=60_000)
    page.goto(base + "/ui")
    expect(page.locator("#libraries-table")).not_to_contain_text("/acme/gadgets")


def test_form_errors_are_shown_next_to_their_fields(page: Any, base: str) -> None:
    sign_in(page, base, ADMIN)
    page.goto(base + "/ui/libraries/new")
    page.get_by_label("A git repository").check()
    expect(page.get_by_label("Folder path")).to_be_hidden()
    page.get_by_label("Repository URL").fill("not a url")
    expect(page.locator("#e-repository")).to_contain_text("must start with http")
    # Without the browser's checks (as a script or an old browser would send it).
    page.evaluate("document.getElementById('add-form').noValidate = true")
    page.evaluate(
        "document.getElementById('add-form').addEventListener('submit', e => "
        "e.stopImmediatePropagation(), true)"
    )
    page.get_by_role("button", name="Index it").click()
    expect(page.get_by_role("alert").first).to_contain_text("Some fields need another look")
    expect(page.locator("#e-library")).to_contain_text("Give the library ID")
    expect(page.locator("#e-repository")).to_contain_text("must start with http")
    expect(page.get_by_label("Repository URL")).to_have_value("not a url")


def test_connect_page_fills_in_this_server(page: Any, base: str) -> None:
    sign_in(page, base, READER)
    page.goto(base + "/ui/connect")
    expect(page.locator("#mcp-url")).to_have_text(f"{base}/mcp")
    cursor = page.locator("section.config", has_text="Cursor").locator("pre")
    config = json.loads(cursor.inner_text())
    assert config["mcpServers"]["codex7"]["url"] == f"{base}/mcp"
    assert "YOUR_CODEX7_KEY" in config["mcpServers"]["codex7"]["headers"]["Authorization"]
    expect(page.locator("section.config", has_text="Claude Code")).to_contain_text(
        f"claude mcp add --scope user --transport http codex7 {base}/mcp"
    )
    snap(page, "connect")


def test_pages_fit_a_phone(page: Any, base: str) -> None:
    sign_in(page, base, READER)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/ui", "/ui/jobs", "/ui/query", "/ui/analytics", "/ui/connect"):
        page.goto(base + path)
        # Nothing but the tables' own scroll boxes is wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    page.goto(base + "/ui/jobs")
    snap(page, "phone-jobs")
