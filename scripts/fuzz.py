"""Fuzz the MCP tools and the REST API at scale, with the properties of tests/test_fuzz.py.

    DATABASE_URL=postgresql://... python scripts/fuzz.py --examples 10000

Runs against the configured database (DATABASE_URL, else the embedded one under
CODEX7_DATA_DIR). Half the examples go through an in-process MCP session, half through the REST
API of a real HTTP server on 127.0.0.1. A failing example is recorded, not raised, so every
example runs. Prints cases, failures and seconds per interface and the first failures, checks
that both still answer a normal query, and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds the properties

import httpx  # noqa: E402
from anyio.from_thread import start_blocking_portal  # noqa: E402
from hypothesis import Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from mcp import Client  # noqa: E402

from codex7.config import Settings  # noqa: E402
from codex7.server.app import build_app, build_server  # noqa: E402
from tests.test_fuzz import (  # noqa: E402
    FUZZ,
    indexed,
    mcp_calls,
    mcp_problems,
    rest_problems,
    rest_urls,
)


@dataclass
class Tally:
    name: str
    cases: int = 0
    answered: int = 0  # normal results, the rest being clear errors
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def run(
    tally: Tally, cases: st.SearchStrategy[Any], check: Callable[[Any], list[str]], args: Any
) -> None:
    """Check EXAMPLES generated cases, recording each failure (and anything raised)."""

    @settings(FUZZ, max_examples=args.examples // 2, phases=[Phase.generate])
    @given(case=cases)
    def prop(case: Any) -> None:
        tally.cases += 1
        try:
            problems = check(case)
        except Exception as exc:  # a failure to record, like any other
            problems = [f"raised {type(exc).__name__}: {exc}"]
        if problems:
            tally.failures.append(f"{case!r:.300} -> {problems}")

    started = time.monotonic()
    (seed(args.seed)(prop) if args.seed is not None else prop)()
    tally.seconds = time.monotonic() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def http_server(config: Settings) -> Iterator[str]:
    """The streamable HTTP app (/mcp, /api) under uvicorn on a free loopback port."""
    import uvicorn

    port = free_port()  # before the app: its Host/Origin policy names the port
    app = build_app(build_server(config), host="127.0.0.1", port=port)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, name="fuzz-http", daemon=True)
    thread.start()
    while not server.started:  # readiness probe
        if not thread.is_alive():
            raise SystemExit("the HTTP server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="cases in all (half each)")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed, to reproduce")
    parser.add_argument("--query", default="configure an HTTP proxy", help="the final normal query")
    args = parser.parse_args()

    # One address sends every REST case: the per-address rate limit would answer most of them
    # 429 before they reach the API.
    config = Settings().model_copy(
        update={"warm_up": False, "rate_limit": 0.0, "max_concurrent": 0}
    )
    libraries, docs = indexed(config)
    if not libraries:
        raise SystemExit("nothing is indexed in this database: index a library first")
    mcp, rest = Tally("mcp"), Tally("rest")
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(build_server(config), mode="legacy")) as client,
        http_server(config) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):

        def call(tool: str, arguments: dict[str, Any]) -> Any:
            return portal.call(client.call_tool, tool, arguments)

        def check_mcp(case: tuple[str, dict[str, Any]]) -> list[str]:
            result = call(*case)
            mcp.answered += not result.is_error
            return mcp_problems(*case, result, docs)

        def check_rest(url: str) -> list[str]:
            response = http.get(url)
            rest.answered += response.status_code == 200
            return rest_problems(url, response, docs)

        run(mcp, mcp_calls(libraries), check_mcp, args)
        run(rest, rest_urls(libraries), check_rest, args)
        normal = {"libraryId": libraries[0], "query": args.query}
        after = call("query-docs", normal)
        response = http.get("/api/v2/context", params=normal)
        still = not after.is_error and response.status_code == 200 and response.text.strip()

    print(f"{'interface':<10} {'cases':>7} {'answered':>9} {'failures':>9} {'seconds':>8}")
    for t in (mcp, rest):
        print(f"{t.name:<10} {t.cases:>7} {t.answered:>9} {len(t.failures):>9} {t.seconds:>8.1f}")
    failures = mcp.failures + rest.failures
    cases, answered = mcp.cases + rest.cases, mcp.answered + rest.answered
    seconds = mcp.seconds + rest.seconds
    print(f"{'total':<10} {cases:>7} {answered:>9} {len(failures):>9} {seconds:>8.1f}")
    print(f"normal query afterwards: {'answered' if still else 'FAILED'}")
    for failure in failures[:10]:
        print(" -", failure)
    return 0 if still and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
