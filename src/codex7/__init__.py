"""Codex7: a self-hosted, Context7-compatible documentation server."""

__version__ = "0.1.0"
