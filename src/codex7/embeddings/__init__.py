"""Embedding providers behind one small interface; pick one with `get_embedder(settings)`."""

from codex7.embeddings.base import Embedder
from codex7.embeddings.registry import get_embedder, register_provider

__all__ = ["Embedder", "get_embedder", "register_provider"]
