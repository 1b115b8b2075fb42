"""The web UI at /ui: libraries, adding one, jobs with live progress, trying a query, what agents
ask, client configurations. Server-rendered (Jinja2), a little plain JavaScript, one stylesheet."""

from codex7.ui.routes import ui_routes

__all__ = ["ui_routes"]
