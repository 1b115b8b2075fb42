"""Copy-paste MCP client configurations for this server's URL (docs/clients.md); pure."""

from __future__ import annotations

import json
from dataclasses import dataclass

KEY_PLACEHOLDER = "YOUR_CODEX7_KEY"


@dataclass(frozen=True)
class ClientConfig:
    client: str  # Claude Code, Cursor, ...
    where: str  # the file or the command line it goes into
    text: str  # what to paste
    language: str  # sh | json


def _json(value: object) -> str:
    return json.dumps(value, indent=2)


def client_configs(base_url: str, *, needs_key: bool = False) -> list[ClientConfig]:
    """Each client's configuration for the server at BASE_URL (scheme://host[:port]); with
    NEEDS_KEY, the Authorization header with a placeholder (a key is never filled in)."""
    mcp = base_url.rstrip("/") + "/mcp"
    header = {"Authorization": f"Bearer {KEY_PLACEHOLDER}"} if needs_key else None
    entry: dict[str, object] = {"url": mcp}
    vscode: dict[str, object] = {"type": "http", "url": mcp}
    if header:
        entry["headers"] = header
        vscode["headers"] = header
    env = {"CONTEXT7_API_URL": base_url.rstrip("/") + "/api"}
    if needs_key:
        env["CONTEXT7_API_KEY"] = KEY_PLACEHOLDER
    official = {"command": "npx", "args": ["-y", "@upstash/context7-mcp"], "env": env}
    claude = f"claude mcp add --scope user --transport http codex7 {mcp}"
    if needs_key:
        claude += f' --header "Authorization: Bearer {KEY_PLACEHOLDER}"'
    desktop = (
        f"Settings → Connectors → Add custom connector, URL: {mcp}"
        if not needs_key
        else _json(
            {
                "mcpServers": {
                    "codex7": {
                        "command": "npx",
                        "args": [
                            "-y",
                            "mcp-remote",
                            mcp,
                            "--header",
                            f"Authorization: Bearer {KEY_PLACEHOLDER}",
                        ],
                    }
                }
            }
        )
    )
    return [
        ClientConfig("Claude Code", "a terminal", claude, "sh"),
        ClientConfig(
            "Claude Desktop",
            "claude_desktop_config.json" if needs_key else "the Connectors settings",
            desktop,
            "json" if needs_key else "text",
        ),
        ClientConfig(
            "Cursor",
            "~/.cursor/mcp.json or .cursor/mcp.json",
            _json({"mcpServers": {"codex7": entry}}),
            "json",
        ),
        ClientConfig("VS Code", ".vscode/mcp.json", _json({"servers": {"codex7": vscode}}), "json"),
        ClientConfig(
            "Official Context7 MCP server",
            "any client's MCP configuration (it calls this server's REST API)",
            _json({"mcpServers": {"context7": official}}),
            "json",
        ),
    ]
