"""Load test: concurrent REST clients on /api/v2/context and MCP sessions on /mcp, on 127.0.0.1.

    CODEX7_DATA_DIR=... python scripts/load.py --rest-clients 50 --mcp-sessions 20 --seconds 60

Starts `codex7 serve --transport http` on a free loopback port against the configured database
(DATABASE_URL, else the embedded one under CODEX7_DATA_DIR), with the per-address rate limits
off unless the environment sets them, then runs both kinds of clients at
once for a bounded time, each asking questions from the dev queries of the libraries that are
indexed. Reports errors, p50/p95/p99 latency and throughput per interface, and exits 1 on any
error (0 errors is the bar). Every request loop is bounded by the deadline and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self, name: str, seconds: float) -> str:
        lat = sorted(self.latencies) or [0.0]

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p / 100 * len(lat)))]

        return (
            f"| {name} | {len(self.latencies) + len(self.errors)} | {len(self.errors)} | "
            f"{pct(50):.0f} | {pct(95):.0f} | {pct(99):.0f} | {len(self.latencies) / seconds:.1f} |"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questions(libraries: set[str]) -> list[tuple[str, str]]:
    """(library ID, question) pairs from the dev queries whose library is indexed."""
    out = []
    for name in ("dev_queries.jsonl", "dev_queries_more.jsonl"):
        path = REPO.parent / "shared" / "eval" / name
        if path.exists():
            for line in path.read_text().splitlines():
                q = json.loads(line)
                if q["kind"] == "docs" and q["library"] in libraries:
                    out.append((q["library"], q["query"]))
    return out or [(lib, "getting started") for lib in sorted(libraries)]


async def rest_client(base: str, work: list[tuple[str, str]], deadline: float, t: Tally) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        i = 0
        while time.monotonic() < deadline:
            library, query = work[i % len(work)]
            i += 1
            start = time.perf_counter()
            try:
                r = await client.get(
                    "/api/v2/context", params={"libraryId": library, "query": query}
                )
                if r.status_code != 200 or not r.text:
                    t.errors.append(f"REST {r.status_code}: {r.text[:120]}")
                    continue
            except httpx.HTTPError as exc:
                t.errors.append(f"REST {type(exc).__name__}")
                continue
            t.latencies.append((time.perf_counter() - start) * 1000)


async def mcp_session(base: str, work: list[tuple[str, str]], deadline: float, t: Tally) -> None:
    from mcp import Client

    try:
        async with Client(f"{base}/mcp") as client:
            i = 0
            while time.monotonic() < deadline:
                library, query = work[i % len(work)]
                i += 1
                start = time.perf_counter()
                result = await client.call_tool(
                    "query-docs", {"libraryId": library, "query": query}
                )
                if result.is_error:
                    t.errors.append(f"MCP isError: {result.content[0].text[:120]}")  # type: ignore[union-attr]
                    continue
                t.latencies.append((time.perf_counter() - start) * 1000)
    except Exception as exc:  # a session that breaks is an error, not a crash of the test
        inner = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) else exc
        t.errors.append(f"MCP session {type(inner).__name__}: {inner}"[:200])


async def run(
    base: str, work: list[tuple[str, str]], args: argparse.Namespace
) -> tuple[Tally, Tally]:
    rest, mcp = Tally(), Tally()
    deadline = time.monotonic() + args.seconds
    await asyncio.gather(
        *(rest_client(base, work[i:] + work[:i], deadline, rest) for i in range(args.rest_clients)),
        *(mcp_session(base, work[i:] + work[:i], deadline, mcp) for i in range(args.mcp_sessions)),
    )
    return rest, mcp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rest-clients", type=int, default=50)
    parser.add_argument("--mcp-sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Every client comes from 127.0.0.1 without a key: the per-address rate limit and cap on
    # concurrent requests (CODEX7_RATE_LIMIT, CODEX7_MAX_CONCURRENT) would answer most of them
    # 429. The load measured is the server's, so they are off unless set in the environment.
    env = {
        "CODEX7_RATE_LIMIT": "0",
        "CODEX7_MAX_CONCURRENT": "0",
        **os.environ,
        "HF_HUB_OFFLINE": "1",
    }
    listing = subprocess.run(
        [sys.executable, "-m", "codex7", "libraries", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    libraries = {row["id"] for row in json.loads(listing.stdout)}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "codex7", "serve", "--transport", "http", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 120
            while True:  # ready when /healthz answers
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        sys.exit("server did not start:\n" + log.read().decode(errors="replace"))
                    time.sleep(0.2)
            work = questions(libraries) if libraries else []
            if not work:
                sys.exit("nothing indexed to ask about")
            # Warm the model and the caches before measuring.
            httpx.get(
                f"{base}/api/v2/context",
                params={"libraryId": work[0][0], "query": work[0][1]},
                timeout=60,
            )
            rest, mcp = asyncio.run(run(base, work, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"{args.rest_clients} REST clients and {args.mcp_sessions} MCP sessions for "
        f"{args.seconds:.0f} s, {len(work)} distinct questions over {len(libraries)} libraries\n"
    )
    print("| interface | requests | errors | p50 ms | p95 ms | p99 ms | answers/s |")
    print("|---|---|---|---|---|---|---|")
    print(rest.line("REST /api/v2/context", args.seconds))
    print(mcp.line("MCP query-docs (streamable HTTP)", args.seconds))
    failures = rest.errors + mcp.errors
    for e in sorted(set(failures))[:10]:
        print(f"- {failures.count(e)}× {e}")
    total = len(rest.latencies) + len(mcp.latencies)
    print(
        f"\n{total} answers, {len(failures)} errors, mean latency "
        f"{statistics.mean(rest.latencies + mcp.latencies or [0]):.0f} ms"
    )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
