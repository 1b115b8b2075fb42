"""Benchmark start-up: spawn → MCP `initialize` → `tools/list` answered, and the first question.

Interleaved rounds, each spawning with the real MCP client (stdio):
  * a bare `mcp` SDK server with three trivial tools (scripts/bench_start_bare.py), the floor;
  * `codex7 serve` against an existing data dir whose embedded PostgreSQL is stopped (the
    server starts it), once for a short session (initialize, tools/list, exit: its exit time and
    anything on stderr besides the banner are recorded) and once asking `query-docs` right
    when tools/list has answered (the first answer, then a second one);
  * `codex7 serve` while the embedded PostgreSQL already runs because another process holds it
    (this script holds it, as a second editor window would): start-up, and a first question
    asked after WARM_WAIT idle seconds, when the model has had time to load;
then `codex7 serve` on brand-new data dirs (initdb, every migration).

The index is one small library built once into a temporary data dir: HTTPX's docs from
../shared/corpus, or this repository's docs/ when the shared corpus is absent.

    .venv/bin/python scripts/bench_start.py --runs 10
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
BARE = Path(__file__).resolve().with_name("bench_start_bare.py")
BANNER = tuple(  # what `codex7 serve` says on stderr when all is well
    f"codex7: {start}"
    for start in ("serving MCP", "database: ", "embedding model: ", "worker: ", "ready in ")
)


@dataclass
class Sample:
    ready: float  # spawn → tools/list answered
    cpu: float  # CPU seconds the server process had used by then (all its threads)
    exit: float  # stdin closed → process gone
    stderr: str
    first: float | None = None  # ready → the first query-docs answer
    second: float | None = None  # the next one

    @property
    def noise(self) -> list[str]:
        """stderr lines besides the server's banner (a warning, a traceback, …)."""
        return [
            line
            for line in self.stderr.splitlines()
            if line.strip() and not line.startswith(BANNER)
        ]


def clean_env(data_dir: Path | None = None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CODEX7_") and k != "DATABASE_URL"
    }
    env["HF_HUB_OFFLINE"] = "1"
    if data_dir is not None:
        env["CODEX7_DATA_DIR"] = str(data_dir)
    return env


def codex7() -> list[str]:
    """How an editor starts it: the console script next to this interpreter."""
    script = Path(sys.executable).with_name("codex7")
    return [str(script)] if script.exists() else [sys.executable, "-m", "codex7"]


def build_index(data_dir: Path, files: int | None) -> tuple[str, str]:
    """Index one small library into DATA_DIR; (library ID, a question for it)."""
    httpx = CORPUS / "encode" / "httpx" / "0.28.1"
    if httpx.is_dir():
        src, library, version = httpx, "/encode/httpx", "0.28.1"
        question = "how do I set a request timeout"
    else:
        src, library, version = REPO / "docs", "/codex7/docs", "1"
        question = "how do I serve MCP over stdio"
    if files:
        picked = sorted(p for p in src.rglob("*") if p.suffix in (".md", ".mdx", ".rst"))[:files]
        dest = data_dir.parent / "docs"
        for f in picked:
            (dest / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dest / f.relative_to(src))
        src = dest
    out = subprocess.run(
        [*codex7(), "index", str(src), "--library", library, "--version", version, "--inline"],
        env=clean_env(data_dir),
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"indexing {src} failed:\n{out.stderr}")
    return library, question


async def session(
    command: list[str], env: dict[str, str], ask: tuple[str, str] | None = None, wait: float = 0.0
) -> Sample:
    """One stdio session: initialize, tools/list, optionally query-docs (after WAIT s), exit."""
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    first = second = None
    with tempfile.TemporaryFile(mode="w+") as errlog:
        start = time.perf_counter()
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as client:
                await client.initialize()
                tools = await client.list_tools()
                ready = time.perf_counter() - start
                cpu = server_cpu()
                if len(tools.tools) != 3:
                    raise SystemExit(f"{command}: expected 3 tools, got {len(tools.tools)}")
                if ask:
                    await anyio.sleep(wait)
                    times = []
                    for _ in range(2):
                        asked = time.perf_counter()
                        result = await client.call_tool(
                            "query-docs", {"libraryId": ask[0], "query": ask[1]}
                        )
                        times.append(time.perf_counter() - asked)
                        if result.is_error:
                            raise SystemExit(f"query-docs failed: {result.content}")
                    first, second = times
            closing = time.perf_counter()
        exited = time.perf_counter() - closing
        errlog.seek(0)
        stderr = errlog.read()
    return Sample(ready, cpu, exited, stderr, first, second)


def server_cpu() -> float:
    """CPU seconds (user + system) of the newest child process: the server just spawned."""
    import psutil  # a dependency of the embedded PostgreSQL's wheel

    children = psutil.Process().children()
    if not children:
        return float("nan")
    newest = max(children, key=lambda p: p.create_time())
    times = newest.cpu_times()
    return float(times.user + times.system)


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=10, help="Interleaved rounds.")
    ap.add_argument("--fresh-runs", type=int, default=3, help="Starts on brand-new data dirs.")
    ap.add_argument(
        "--warm-wait", type=float, default=5.0, help="Idle seconds before a warm query."
    )
    ap.add_argument("--files", type=int, help="Index only the first N files (smoke runs).")
    ap.add_argument("--write", type=Path, help="Append the results to this Markdown file.")
    args = ap.parse_args()

    from codex7.config import Settings
    from codex7.store.embedded import start_embedded, stop_embedded

    work = Path(tempfile.mkdtemp(prefix="codex7-bench-start-"))
    data_dir = work / "data"
    samples: dict[str, list[Sample]] = {
        k: [] for k in ("bare", "stopped", "query", "held", "warm", "fresh")
    }
    try:
        started = time.perf_counter()
        ask = build_index(data_dir, args.files)
        print(f"indexed {ask[0]} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        env = clean_env(data_dir)
        bare = [sys.executable, str(BARE)]
        pgdata = Settings(data_dir=data_dir).pgdata

        async def rounds() -> None:
            for n in range(args.runs):
                plan = [
                    ("bare", bare, None, 0.0),
                    ("stopped", codex7() + ["serve"], None, 0.0),
                    ("query", codex7() + ["serve"], ask, 0.0),
                ]
                random.shuffle(plan)
                for kind, command, question, wait in plan:
                    samples[kind].append(await session(command, env, question, wait))
                # Another process holds the embedded server: this one, like a second editor.
                _, held = start_embedded(pgdata)
                try:
                    samples["held"].append(await session(codex7() + ["serve"], env))
                    samples["warm"].append(
                        await session(codex7() + ["serve"], env, ask, args.warm_wait)
                    )
                finally:
                    stop_embedded(held)
                print(f"round {n + 1}/{args.runs}", file=sys.stderr)
            for n in range(args.fresh_runs):
                fresh = work / f"fresh-{n}"
                samples["fresh"].append(await session(codex7() + ["serve"], clean_env(fresh)))
                shutil.rmtree(fresh, ignore_errors=True)

        anyio.run(rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(label: str, values: list[float]) -> str:
        if not values:
            return f"| {label} | 0 | – | – |"
        return f"| {label} | {len(values)} | {statistics.median(values):.2f} | {p90(values):.2f} |"

    def ready(kind: str) -> list[float]:
        return [s.ready for s in samples[kind]]

    def cpu(kind: str) -> list[float]:
        return [s.cpu for s in samples[kind] if not math.isnan(s.cpu)]

    lines = [
        "| measurement | runs | median s | p90 s |",
        "|---|---|---|---|",
        row("bare `mcp` server: spawn → tools/list", ready("bare")),
        row(
            "codex7 serve, embedded PostgreSQL stopped: spawn → tools/list",
            ready("stopped") + ready("query"),
        ),
        row(
            "codex7 serve, embedded PostgreSQL held by another process: spawn → tools/list",
            ready("held") + ready("warm"),
        ),
        row("codex7 serve, brand-new data dir: spawn → tools/list", ready("fresh")),
        row("CPU s of the bare server by tools/list", cpu("bare")),
        row(
            "CPU s of codex7 serve by tools/list (PostgreSQL held; all threads)",
            cpu("held") + cpu("warm"),
        ),
        row(
            "first query-docs, asked as tools/list answers (PostgreSQL stopped)",
            [s.first for s in samples["query"] if s.first is not None],
        ),
        row("second query-docs", [s.second for s in samples["query"] if s.second is not None]),
        row(
            f"first query-docs after {args.warm_wait:g} s idle (model warm)",
            [s.first for s in samples["warm"] if s.first is not None],
        ),
        row(
            "codex7 exit after a short session (stdin closed → gone)",
            [s.exit for s in samples["stopped"]],
        ),
    ]
    noisy = [s for kind in samples for s in samples[kind] if s.noise]
    overhead = statistics.median(ready("stopped") + ready("query")) - statistics.median(
        ready("bare")
    )
    held_overhead = statistics.median(ready("held") + ready("warm")) - statistics.median(
        ready("bare")
    )
    total = sum(len(v) for v in samples.values())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report = "\n".join(
        [
            f"### Start-up: spawn → tools/list, and the first question ({ask[0]}"
            f"{f', first {args.files} files' if args.files else ''})",
            "",
            f"{date.today().isoformat()} · {platform.machine()}, {os.cpu_count()} cores, load "
            f"{load:.1f} at the end · Python {platform.python_version()} · "
            f"`python scripts/bench_start.py --runs {args.runs}`",
            "",
            *lines,
            "",
            f"codex7 serve over the bare server: +{overhead:.2f} s with the embedded PostgreSQL "
            f"stopped, +{held_overhead:.2f} s with it already running (target +0.30 s).",
            f"Sessions with stderr lines besides the banner: {len(noisy)} of {total}.",
            "",
        ]
    )
    print(report)
    for s in noisy[:3]:
        print("unexpected stderr:\n" + "\n".join(s.noise[:10]), file=sys.stderr)
    if args.write:
        with args.write.open("a") as fh:
            fh.write("\n" + report)


if __name__ == "__main__":
    sys.exit(main())
