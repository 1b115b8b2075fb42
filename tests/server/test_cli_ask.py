"""`codex7 resolve` and `codex7 query` answer through a real MCP session, as the quickstart shows."""

from __future__ import annotations

import json

from click.testing import CliRunner

from codex7.cli import cli
from tests.corpus import IndexedCorpus


def test_resolve_and_query_from_the_shell(indexed_corpus: IndexedCorpus) -> None:
    env = {**indexed_corpus.env(), "HF_HUB_OFFLINE": "1"}
    runner = CliRunner()
    out = runner.invoke(cli, ["resolve", "fastapi"], env=env)
    assert out.exit_code == 0 and "- Context7-compatible library ID: /fastapi/fastapi" in out.output
    out = runner.invoke(
        cli, ["query", "/fastapi/fastapi", "upload a file and read its filename"], env=env
    )
    assert out.exit_code == 0 and "Source: tutorial/request-files.md" in out.output
    out = runner.invoke(cli, ["query", "/fastapi/fastapi/9.9", "anything"], env=env)
    assert out.exit_code == 1 and "Available versions: 0.141.1" in out.output


def test_json_output_for_scripts(indexed_corpus: IndexedCorpus) -> None:
    env = {**indexed_corpus.env(), "HF_HUB_OFFLINE": "1"}
    runner = CliRunner()
    out = runner.invoke(cli, ["resolve", "fastapi", "--json"], env=env)
    assert out.exit_code == 0, out.output
    answer = json.loads(out.stdout)
    assert answer["isError"] is False and answer["libraries"][0] == "/fastapi/fastapi"
    assert "- Context7-compatible library ID: /fastapi/fastapi" in answer["text"]

    out = runner.invoke(cli, ["query", "/fastapi/fastapi", "upload a file", "--json"], env=env)
    answer = json.loads(out.stdout)
    assert answer["libraryId"] == "/fastapi/fastapi" and answer["isError"] is False
    assert "Source: tutorial/request-files.md" in answer["text"]

    out = runner.invoke(cli, ["query", "/fastapi/fastapi/9.9", "anything", "--json"], env=env)
    assert out.exit_code == 1 and out.stdout == ""
    assert out.stderr.startswith("Error: ") and "Available versions: 0.141.1" in out.stderr


def test_a_running_server_is_asked_instead_of_loading_the_model(http_server: str) -> None:
    """With CODEX7_URL the CLI answers through the server: its own database settings point
    nowhere, so an in-process answer could not succeed."""
    env = {"CODEX7_URL": http_server, "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    result = CliRunner().invoke(
        cli, ["query", "/encode/httpx", "how do I set a timeout", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "Source: " in json.loads(result.output)["text"]
    down = CliRunner().invoke(
        cli, ["resolve", "httpx"], env={**env, "CODEX7_URL": "http://127.0.0.1:9"}
    )
    assert down.exit_code == 1 and "No Codex7 server answers at http://127.0.0.1:9" in down.output
