"""The naive lexical floor: SQLite FTS5 BM25 (porter) over whole heading sections, no embeddings.

Codex7's retrieval is compared against this: every Markdown/MDX/RST page of a corpus version is cut
at each heading of any level, the sections go into an in-memory FTS5 table, and a question's
words, OR-ed, pick the top sections by `bm25()`. Scored by the same judge as `codex7 eval`.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex7.chunking.markdown import clean_heading
from codex7.chunking.mdx import split_front_matter
from codex7.chunking.rst import rst_to_markdown
from codex7.errors import Codex7Error
from codex7.evaluation.runner import QueryResult, score
from codex7.fences import protect_code, restore_code
from codex7.tokens import tiktoken_counter

SUFFIXES = (".md", ".mdx", ".markdown", ".rst")
TOP_K = 10
# ATX heading; a closing run of #s only counts after a space (`# Using C#` keeps its #).
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


@dataclass(frozen=True)
class Section:
    path: str  # relative to the version folder, POSIX separators
    hierarchy: tuple[str, ...]  # cleaned headings, outermost first
    text: str  # the heading line and the body up to the next heading, code included


def split_sections(path: str, text: str) -> list[Section]:
    """One section per heading of any level, plus the text before the first heading."""
    text = text.replace("\r\n", "\n")
    if path.lower().endswith(".rst"):
        text = rst_to_markdown(text)
    meta, text = split_front_matter(text)
    title = meta.get("title")
    prose, fences = protect_code(text)
    lines = prose.split("\n")
    has_h1 = any((m := _HEADING.match(line)) and len(m[1]) == 1 for line in lines)
    # As in Codex7's chunks: a front-matter title heads the page unless the page has its own H1.
    root = (title,) if title and not has_h1 else ()

    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    hierarchy: tuple[str, ...] = (title,) if title else ()
    body: list[str] = []

    def flush() -> None:
        joined = restore_code("\n".join(body), fences).strip()
        if joined and not stack and title:
            joined = f"# {title}\n\n{joined}"  # the title is the preamble's heading line
        if joined:
            sections.append(Section(path, hierarchy, joined))

    for line in lines:
        m = _HEADING.match(line)
        if not m:
            body.append(line)
            continue
        flush()
        level = len(m[1])
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, clean_heading(m[2])[0]))
        hierarchy = root + tuple(h for _, h in stack)
        body = [line]
    flush()
    return sections


def read_sections(version_dir: Path) -> list[Section]:
    sections: list[Section] = []
    for file in sorted(version_dir.rglob("*")):
        if file.is_file() and file.suffix.lower() in SUFFIXES:
            rel = file.relative_to(version_dir).as_posix()
            sections += split_sections(rel, file.read_text(encoding="utf-8", errors="replace"))
    return sections


def fts_query(question: str) -> str:
    """The question's whitespace-separated words, each quoted (so `.`, `-`, `:` or a bare `OR`
    are plain text to FTS5), OR-ed together."""
    words = dict.fromkeys(question.split())
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


@dataclass
class SectionIndex:
    sections: list[Section]
    conn: sqlite3.Connection

    @classmethod
    def build(cls, sections: list[Section]) -> SectionIndex:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.execute("CREATE VIRTUAL TABLE sections USING fts5(text, tokenize='porter unicode61')")
        conn.executemany(
            "INSERT INTO sections (rowid, text) VALUES (?, ?)",
            ((i, s.text) for i, s in enumerate(sections)),
        )
        return cls(sections, conn)

    def search(self, question: str, k: int = TOP_K) -> list[Section]:
        match = fts_query(question)
        if not match:
            return []
        rows = self.conn.execute(
            "SELECT rowid FROM sections WHERE sections MATCH ? ORDER BY bm25(sections) LIMIT ?",
            (match, k),
        ).fetchall()
        return [self.sections[i] for (i,) in rows]


@dataclass
class Floor:
    """A corpus folder (with MANIFEST.json), indexed one version at a time on first use."""

    corpus_dir: Path
    folders: dict[tuple[str, str], Path]
    latest: dict[str, str]
    _indexes: dict[Path, SectionIndex] = field(default_factory=dict)

    @classmethod
    def open(cls, corpus_dir: Path) -> Floor:
        manifest = corpus_dir / "MANIFEST.json"
        if not manifest.is_file():
            raise Codex7Error(f"{corpus_dir} has no MANIFEST.json; give the shared corpus folder.")
        folders: dict[tuple[str, str], Path] = {}
        latest: dict[str, str] = {}
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["libraries"]:
            folders[entry["library_id"], entry["version"]] = corpus_dir / entry["corpus_path"]
            if entry.get("latest"):
                latest[entry["library_id"]] = entry["version"]
        return cls(corpus_dir, folders, latest)

    def index_for(self, library: str, version: str | None) -> SectionIndex | None:
        version = version or self.latest.get(library)
        folder = self.folders.get((library, version)) if version else None
        if folder is None:
            return None
        if folder not in self._indexes:
            self._indexes[folder] = SectionIndex.build(read_sections(folder))
        return self._indexes[folder]


def run_floor_query(floor: Floor, q: dict[str, Any]) -> QueryResult:
    base = QueryResult(q["id"], "docs", q["library"], q["query"], "scored")
    index = floor.index_for(q["library"], q.get("version"))
    if index is None:
        base.status = "skipped"
        base.reason = f"{q['library']} {q.get('version') or '(latest)'} is not in the corpus"
        return base
    started = time.perf_counter()
    found = index.search(q["query"])
    base.search_ms = (time.perf_counter() - started) * 1000
    text = "\n\n".join(s.text for s in found)
    score(base, q, [(s.path, s.hierarchy) for s in found], text)
    base.returned = [{"path": s.path, "title": " > ".join(s.hierarchy)} for s in found]
    base.tokens = tiktoken_counter()(text)
    return base


def run_floor(corpus_dir: Path, queries: list[dict[str, Any]]) -> list[QueryResult]:
    """Every docs query through the floor (resolve queries have no floor)."""
    floor = Floor.open(corpus_dir)
    return [run_floor_query(floor, q) for q in queries if q.get("kind") != "resolve"]


def side_by_side(codex7: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """One line per library (and overall): file and section MRR@10, Codex7 / floor."""
    rows = {"overall": (codex7["overall"], floor["overall"])}
    for lib in sorted(set(codex7["libraries"]) | set(floor["libraries"])):
        rows[lib] = (codex7["libraries"].get(lib, {}), floor["libraries"].get(lib, {}))
    width = max(len(name) for name in rows)

    def fig(figures: dict[str, Any], key: str) -> str:
        return f"{figures[key]:.3f}" if key in figures else "  -  "

    lines = ["MRR@10, Codex7 / floor (queries scored: Codex7 / floor):"]
    for name, (ours, theirs) in rows.items():
        lines.append(
            f"{name:<{width}}  file {fig(ours, 'file_mrr@10')} / {fig(theirs, 'file_mrr@10')}"
            f"  section {fig(ours, 'section_mrr@10')} / {fig(theirs, 'section_mrr@10')}"
            f"  ({ours.get('queries', 0)} / {theirs.get('queries', 0)})"
        )
    return lines
