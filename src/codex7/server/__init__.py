"""The MCP server: Context7's tools over stdio, SSE and streamable HTTP."""
