"""JSON bodies and the legacy text format of Context7's REST API; pure.

Shapes follow the public Context7 client (lib/types.ts) and openapi.json; see the shared
reference context7.md §1.3 and §5.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from codex7.api.inputs import one_line
from codex7.fences import PLACEHOLDER, protect_code
from codex7.search.assemble import Snippet
from codex7.search.render import LibraryResult

LEGACY_SEPARATOR = "\n\n" + "-" * 40 + "\n\n"
LEGACY_HEADER = "=" * 24


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": one_line(message)}


def search_result(r: LibraryResult) -> dict[str, Any]:
    return {
        "id": r.library_id,
        "title": r.title,
        "description": r.description,
        "branch": r.latest_version or "",
        "lastUpdateDate": r.last_update.isoformat() if r.last_update else None,
        "state": "finalized",
        "totalTokens": r.total_tokens,
        "totalSnippets": r.snippets,
        "trustScore": r.trust_score,
        "benchmarkScore": 0,
        # Context7 lists bare tags here; agents add them to the ID as /org/project/<tag>.
        "versions": r.version_tags,
    }


def split_code(content: str) -> tuple[str, list[dict[str, str]]]:
    """(prose with the code blocks taken out, [{language, code}] in order)."""
    prose, fences = protect_code(content)
    codes = [{"language": f.language or "", "code": "\n".join(f.body)} for f in fences]
    lines = [ln for ln in prose.split("\n") if not PLACEHOLDER.match(ln)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), codes


def context_json(
    snippets: Sequence[Snippet], rules: Sequence[str], count: Callable[[str], int]
) -> dict[str, Any]:
    code_snippets: list[dict[str, Any]] = []
    info_snippets: list[dict[str, Any]] = []
    for s in snippets:
        source = s.url or s.path
        description, codes = split_code(s.content)
        if codes:
            code_snippets.append(
                {
                    "codeTitle": s.first.hierarchy[-1] if s.first.hierarchy else s.title,
                    "codeDescription": description,
                    "codeLanguage": codes[0]["language"],
                    "codeTokens": sum(count(c["code"]) for c in codes),
                    "codeId": f"{source}#_snippet_{len(code_snippets)}",
                    "pageTitle": s.first.hierarchy[0] if s.first.hierarchy else s.title,
                    "codeList": codes,
                    "sourceFile": s.path,
                }
            )
        else:
            info_snippets.append(
                {
                    "pageId": source,
                    "breadcrumb": s.title,
                    "content": s.content.strip(),
                    "contentTokens": count(s.content),
                }
            )
    body: dict[str, Any] = {"codeSnippets": code_snippets, "infoSnippets": info_snippets}
    if rules:
        body["rules"] = {"global": [], "libraryOwn": list(rules), "libraryTeam": []}
    return body


def legacy_text(snippets: Sequence[Snippet], rules: Sequence[str]) -> str:
    """The pre-2.0 `/api/v1/{id}?type=txt` format: TITLE/DESCRIPTION/SOURCE/LANGUAGE/CODE blocks."""
    code_blocks: list[str] = []
    qa_blocks: list[str] = []
    for s in snippets:
        source = s.url or s.path
        description, codes = split_code(s.content)
        if codes:
            parts = [f"TITLE: {s.title}", f"DESCRIPTION: {description}", "", f"SOURCE: {source}"]
            for c in codes:
                parts += ["", f"LANGUAGE: {c['language']}", "CODE:", "```", c["code"], "```"]
            code_blocks.append("\n".join(parts))
        else:
            page = s.first.hierarchy[0] if s.first.hierarchy else s.title
            qa_blocks.append(
                f"TOPIC: {page}\nQ: {s.title}\nA: {s.content.strip()}\n\n\nSOURCE: {source}"
            )
    sections = []
    if rules:
        sections.append(
            f"{LEGACY_HEADER}\nRULES\n{LEGACY_HEADER}\n" + "\n".join(f"- {r}" for r in rules)
        )
    if code_blocks:
        sections.append(
            f"{LEGACY_HEADER}\nCODE SNIPPETS\n{LEGACY_HEADER}\n"
            + LEGACY_SEPARATOR.join(code_blocks)
        )
    if qa_blocks:
        sections.append(
            f"{LEGACY_HEADER}\nQUESTIONS AND ANSWERS\n{LEGACY_HEADER}\n"
            + LEGACY_SEPARATOR.join(qa_blocks)
        )
    return "\n\n".join(sections)
