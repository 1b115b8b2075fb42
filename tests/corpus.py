"""Fixtures: one database indexed (real local model) from slices of the shared corpus, and an HTTP server on it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from codex7.config import Settings
from codex7.embeddings.local import LocalEmbedder
from codex7.ingest.pipeline import IndexRequest, index_version
from codex7.store.database import open_database
from codex7.store.migrate import migrate
from tests.paths import CORPUS, SHARED

SLICES: dict[tuple[str, str], list[str]] = {
    ("/fastapi/fastapi", "0.141.1"): [
        "tutorial/metadata.md",
        "tutorial/middleware.md",
        "tutorial/query-params-str-validations.md",
        "tutorial/request-files.md",
        "tutorial/static-files.md",
        "tutorial/cors.md",
        "tutorial/body.md",
    ],
    ("/pydantic/pydantic", "1.10.26"): [
        "usage/model_config.md",
        "usage/validators.md",
        "usage/models.md",
    ],
    ("/pydantic/pydantic", "2.13.4"): [
        "concepts/forward_annotations.md",
        "concepts/models.md",
        "concepts/type_adapter.md",
        "concepts/validators.md",
        "integrations/mypy.md",
    ],
    ("/encode/httpx", "0.28.1"): [
        "advanced/clients.md",
        "advanced/proxies.md",
        "advanced/timeouts.md",
        "quickstart.md",
    ],
    ("/vercel/next.js", "16.1.0-canary.10"): [
        "01-app/01-getting-started/08-updating-data.mdx",
        "01-app/03-api-reference/04-functions/fetch.mdx",
        "01-app/03-api-reference/04-functions/use-router.mdx",
    ],
}
NAMES = {
    "/fastapi/fastapi": "FastAPI",
    "/pydantic/pydantic": "Pydantic",
    "/encode/httpx": "HTTPX",
    "/vercel/next.js": "Next.js",
}
RULES = ["Use `httpx.Client` as a context manager so connections are closed."]


@dataclass(frozen=True)
class IndexedCorpus:
    url: str
    data_dir: Path

    def settings(self) -> Settings:
        return Settings(database_url=self.url, data_dir=self.data_dir)

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url, "CODEX7_DATA_DIR": str(self.data_dir)}


@pytest.fixture(scope="session")
def indexed_corpus(
    make_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> IndexedCorpus:
    url = make_database()
    migrate(url)
    root = tmp_path_factory.mktemp("corpus")
    settings = Settings(database_url=url, data_dir=root / "data")
    manifest = {
        (m["library_id"], m["version"]): m
        for m in json.loads((CORPUS / "MANIFEST.json").read_text())["libraries"]
    }
    embedder = LocalEmbedder("all-MiniLM-L6-v2")
    with open_database(settings) as db:
        # Older versions first, so the manifest's latest version ends up latest.
        for (library, version), files in sorted(
            SLICES.items(), key=lambda kv: not manifest[kv[0]]["latest"]
        ):
            src = CORPUS / manifest[(library, version)]["corpus_path"]
            dest = root / library.strip("/").replace("/", "_") / version
            for rel in files:
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src / rel, dest / rel)
            if library == "/encode/httpx":
                (dest / "context7.json").write_text(json.dumps({"rules": RULES}))
            index_version(
                db,
                embedder,
                IndexRequest(
                    str(dest),
                    library,
                    version,
                    name=NAMES[library],
                    description=f"{NAMES[library]} documentation",
                    latest=manifest[(library, version)]["latest"],
                ),
                cache_dir=root / "git",
            )
    return IndexedCorpus(url, root / "data")


def dev_queries() -> list[dict]:
    return [
        json.loads(line)
        for line in (SHARED / "eval/dev_queries.jsonl").read_text().splitlines()
        if line.strip()
    ]


# The MCP initialize request, a client's first frame to the server.
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


def server_env(corpus: IndexedCorpus, **extra: str) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith("CODEX7_") and k != "DATABASE_URL"
    }
    return {**keep, **corpus.env(), "HF_HUB_OFFLINE": "1", **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(corpus: IndexedCorpus, transport: str) -> Iterator[str]:
    """`codex7 serve --transport TRANSPORT` on a free loopback port; yields its base URL."""
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "codex7",
                "serve",
                "--transport",
                transport,
                "--port",
                str(port),
            ],
            env=server_env(corpus),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:  # readiness probe: the health endpoint answers once the app is up
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    assert json.loads(r.read())["status"] == "ok"
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    log.seek(0)
                    raise AssertionError(log.read().decode(errors="replace")) from None
                time.sleep(0.2)
        try:
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def http_server(indexed_corpus: IndexedCorpus) -> Iterator[str]:
    with running_server(indexed_corpus, "http") as base:
        yield base
