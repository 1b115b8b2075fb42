"""Context7's REST API (v2 and legacy v1), so the official Context7 MCP client runs on Codex7."""
