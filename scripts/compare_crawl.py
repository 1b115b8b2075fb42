"""Websites: the crawled HTTPX docs site beside the same docs indexed as Markdown files.

Serves ../shared/sites/httpx-0.28.1/site (HTTPX 0.28.1's docs built by mkdocs-material) with
Python's own static file server on 127.0.0.1, and indexes, each into its own data dir (embedded
PostgreSQL, the configured embedder, the local all-MiniLM-L6-v2 by default), as /encode/httpx
version 0.28.1:

- crawl:    `codex7 index http://127.0.0.1:PORT/ …` (CODEX7_FETCH_ALLOW=127.0.0.1),
- markdown: `codex7 index ../shared/corpus/encode/httpx/0.28.1 …` (the Markdown the site was
            built from, byte for byte),

then runs `codex7 eval` on the HTTPX docs queries of the dev set against each, and refreshes the
crawled site once (unchanged) to count conditional requests. Everything goes through the CLI as
a user runs it.

Gold paths are corpus paths (`advanced/clients.md`); a crawled page's path comes from its URL
(`/advanced/clients/` → `advanced/clients/index.md`). mkdocs (use_directory_urls, its default)
serves `X.md` at `/X/` and `index.md` at `/`, so the crawl's query file gets the gold paths
mapped by that rule, `X.md` → `X/index.md` (`index.md` stays), checked to name a built page for
every corpus file. The judge is not changed; headings are compared as they are.

    .venv/bin/python scripts/compare_crawl.py                           # temporary data dirs
    .venv/bin/python scripts/compare_crawl.py --crawl-dir /work/h6data --markdown-dir /work/h6md
    .venv/bin/python scripts/compare_crawl.py --write docs/benchmarks.md

DATABASE_URL is ignored (unset for the children): each run has its own embedded database.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SITE = SHARED / "sites" / "httpx-0.28.1" / "site"
CORPUS = SHARED / "corpus" / "encode" / "httpx" / "0.28.1"
QUERY_FILES = [SHARED / "eval" / "dev_queries.jsonl", SHARED / "eval" / "dev_queries_more.jsonl"]
LIBRARY, VERSION = "/encode/httpx", "0.28.1"


def site_path(corpus_path: str) -> str:
    """Where mkdocs puts a corpus page, as the crawler names it: `X.md` → `X/index.md`."""
    stem = corpus_path.removesuffix(".md")
    return "index.md" if stem == "index" else f"{stem}/index.md"


def check_mapping() -> None:
    """Every corpus page maps to a page the site has (else the comparison would be unfair)."""
    for md in sorted(CORPUS.rglob("*.md")):
        built = SITE / Path(site_path(str(md.relative_to(CORPUS)))).with_name("index.html")
        if not built.is_file():
            raise SystemExit(f"{md.relative_to(CORPUS)} maps to {built}, which the site lacks")


class Handler(SimpleHTTPRequestHandler):
    """http.server's static files (Last-Modified, If-Modified-Since → 304), requests counted."""

    counts: dict[str, int] = {"requests": 0, "conditional": 0}

    def do_GET(self) -> None:  # noqa: N802
        Handler.counts["requests"] += 1
        if "If-Modified-Since" in self.headers or "If-None-Match" in self.headers:
            Handler.counts["conditional"] += 1
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def codex7(data_dir: Path, *args: str, **env: str) -> str:
    """Run the CLI with its own data dir; its stdout (stderr shown on failure)."""
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(CODEX7_DATA_DIR=str(data_dir), **env)
    proc = subprocess.run(
        [sys.executable, "-m", "codex7", *args], env=environ, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"codex7 {' '.join(args)} failed:\n{proc.stderr}{proc.stdout}")
    return proc.stdout


def queries(work: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    """The HTTPX docs queries as they are (for the Markdown run) and with mapped gold paths."""
    items = [
        json.loads(line)
        for path in QUERY_FILES
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    items = [q for q in items if q["library"] == LIBRARY and q["kind"] == "docs"]
    as_is, mapped = work / "httpx_markdown.jsonl", work / "httpx_crawl.jsonl"
    as_is.write_text("".join(json.dumps(q) + "\n" for q in items))
    crawl = [{**q, "gold": [{**g, "path": site_path(g["path"])} for g in q["gold"]]} for q in items]
    mapped.write_text("".join(json.dumps(q) + "\n" for q in crawl))
    return as_is, mapped, items


def indexed(stdout: str) -> dict[str, Any]:
    m = re.search(r"indexed: (\d+) files, (\d+) chunks \((\d+) embedded.*?in ([\d.]+)s", stdout)
    if not m:
        raise SystemExit(f"unexpected index output:\n{stdout}")
    files, chunks, embedded, seconds = m.groups()
    return {"files": int(files), "chunks": int(chunks), "seconds": float(seconds)}


def evaluate(data_dir: Path, query_file: Path, out: Path) -> dict[str, Any]:
    codex7(data_dir, "eval", str(query_file), "--json", str(out))
    return json.loads(out.read_text())


def unmapped(path: str) -> str:
    """A crawled path as the corpus names it, for comparing what the two runs returned."""
    return "index.md" if path == "index.md" else path.removesuffix("/index.md") + ".md"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--crawl-dir", type=Path, help="Data dir for the crawled site (kept).")
    ap.add_argument("--markdown-dir", type=Path, help="Data dir for the Markdown corpus (kept).")
    ap.add_argument("--write", type=Path, help="Append the results to this Markdown file.")
    args = ap.parse_args()
    check_mapping()

    work = Path(tempfile.mkdtemp(prefix="codex7-crawl-"))
    crawl_dir = args.crawl_dir or work / "crawl"
    markdown_dir = args.markdown_dir or work / "markdown"
    for d in (crawl_dir, markdown_dir):
        if d.exists() and any(d.iterdir()):
            raise SystemExit(f"{d} is not empty: give a new data dir")
    as_is, mapped, items = queries(work)
    allow = {"CODEX7_FETCH_ALLOW": "127.0.0.1"}
    try:
        with served(SITE) as url:
            out = codex7(crawl_dir, "index", url, "-l", LIBRARY, "--version", VERSION, **allow)
            crawl_index = indexed(out)
            crawl_index["summary"] = out.strip().splitlines()[1]
            before = dict(Handler.counts)
            start = time.perf_counter()
            refresh_out = codex7(crawl_dir, "refresh", LIBRARY, "--inline", **allow)
            refresh = {
                "line": refresh_out.strip(),
                "seconds": time.perf_counter() - start,
                "requests": Handler.counts["requests"] - before["requests"],
                "conditional": Handler.counts["conditional"] - before["conditional"],
            }
        md_out = codex7(markdown_dir, "index", str(CORPUS), "-l", LIBRARY, "--version", VERSION)
        markdown_index = indexed(md_out)
        crawl_eval = evaluate(crawl_dir, mapped, work / "crawl_eval.json")
        markdown_eval = evaluate(markdown_dir, as_is, work / "markdown_eval.json")
    finally:
        if not args.crawl_dir or not args.markdown_dir:
            keep = {args.crawl_dir, args.markdown_dir}
            for d in (crawl_dir, markdown_dir):
                if d not in keep:
                    shutil.rmtree(d, ignore_errors=True)

    lines = report(items, crawl_index, markdown_index, refresh, crawl_eval, markdown_eval)
    print("\n".join(lines))
    if args.write:
        with args.write.open("a") as f:
            f.write("\n" + "\n".join(lines) + "\n")
    shutil.rmtree(work, ignore_errors=True)


def report(
    items: list[dict[str, Any]],
    crawl_index: dict[str, Any],
    markdown_index: dict[str, Any],
    refresh: dict[str, Any],
    crawl_eval: dict[str, Any],
    markdown_eval: dict[str, Any],
) -> list[str]:
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    cols = [
        ("file_hit@1", "file Hit@1"),
        ("file_hit@5", "file Hit@5"),
        ("file_mrr@10", "file MRR@10"),
        ("section_hit@1", "section Hit@1"),
        ("section_hit@5", "section Hit@5"),
        ("section_mrr@10", "section MRR@10"),
        ("must_contain", "must_contain"),
        ("tokens_mean", "tokens (mean)"),
    ]
    lines = [
        f"### Run of {date.today().isoformat()} ({machine}; {len(items)} HTTPX docs queries of "
        "the dev set; embedder: the configured one, all-MiniLM-L6-v2 unless set)",
        "",
        "| | pages | chunks | index seconds | " + " | ".join(c[1] for c in cols) + " |",
        "|---" * (len(cols) + 4) + "|",
    ]
    for name, idx, ev in (
        ("crawled site", crawl_index, crawl_eval),
        ("Markdown corpus", markdown_index, markdown_eval),
    ):
        figures = ev["summary"]["overall"]
        cells = [
            ""
            if figures.get(c) is None
            else f"{figures[c]:.3f}"
            if c != "tokens_mean"
            else f"{figures[c]:.0f}"
            for c, _ in cols
        ]
        lines.append(
            f"| {name} | {idx['files']} | {idx['chunks']} | {idx['seconds']:.1f} | "
            + " | ".join(cells)
            + " |"
        )
    lines += [
        "",
        "| query | gold | crawled: file / section rank | Markdown: file / section rank | "
        "top 5 files in common |",
        "|---|---|---|---|---|",
    ]
    by_id = {
        run: {q["id"]: q for q in ev["queries"]}
        for run, ev in (("crawl", crawl_eval), ("markdown", markdown_eval))
    }

    def rank(q: dict[str, Any]) -> str:
        return f"{q['file_rank'] or '–'} / {q['section_rank'] or '–'}"

    for item in items:
        c, m = by_id["crawl"][item["id"]], by_id["markdown"][item["id"]]
        top_c = [unmapped(r["path"]) for r in c["returned"][:5]]
        top_m = [r["path"] for r in m["returned"][:5]]
        common = len(set(top_c) & set(top_m))
        gold = item["gold"][0]
        heading = f" § {gold['heading']}" if gold.get("heading") else ""
        lines.append(
            f"| {item['id']} | `{gold['path']}`{heading} | {rank(c)} | {rank(m)} | "
            f"{common} of {len(set(top_m))} |"
        )
    lines += [
        "",
        f"Crawl: `{crawl_index['summary']}`",
        "",
        f"Refresh of the unchanged site ({refresh['seconds']:.1f} s, {refresh['requests']} "
        f"requests to the server, {refresh['conditional']} of them conditional): "
        f"`{refresh['line']}`",
    ]
    return lines


if __name__ == "__main__":
    main()
