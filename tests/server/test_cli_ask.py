"""`codex7 resolve` and `codex7 query` answer through a real MCP session, as the quickstart shows."""

from __future__ import annotations

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
