"""With DATABASE_URL unreachable, every command says which database and why, in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.corpus import _free_port


@pytest.mark.parametrize(
    "args",
    [
        ["query", "/acme/widgets", "how to spin"],
        ["resolve", "widgets"],
        ["serve"],
        ["serve", "--transport", "http", "--port", "0"],
        ["serve", "--transport", "sse", "--port", "0"],
    ],
    ids=["query", "resolve", "serve-stdio", "serve-http", "serve-sse"],
)
def test_unreachable_database_is_one_line_and_exit_1(args: list[str]) -> None:
    port = _free_port()  # nothing listens there
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CODEX7_")}
    env = {**keep, "DATABASE_URL": f"postgresql://codex7:s3cret@127.0.0.1:{port}/codex7"}
    proc = subprocess.run(
        [sys.executable, "-m", "codex7", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(
        f"Error: Cannot connect to the database at postgresql://codex7@127.0.0.1:{port}/codex7: "
    )
    assert "Connection refused" in lines[0]
    assert "s3cret" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
