"""Plain records that cross layers: files from sources, chunks from chunking."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative, POSIX separators
    text: str
    url: str | None = None  # web URL of the file, when the source knows one


@dataclass
class Chunk:
    path: str
    chunk_index: int  # position in the file; renumbered per version when published
    title: str  # breadcrumb: "Routing > Dynamic Routes > Catch-all Segments"
    hierarchy: list[str]
    content: str
    token_count: int
    url: str | None = None
    has_code: bool = False
    code_language: str | None = None
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the breadcrumb gives a section its context."""
        return f"{self.title}\n\n{self.content}" if self.title else self.content
