"""The baseline of scripts/bench_start.py: a bare `mcp` SDK server over stdio with three trivial tools.

What any Python MCP server pays before it can answer: the interpreter, the SDK, a handshake.
"""

from mcp.server.mcpserver import MCPServer

server = MCPServer(name="bare")


@server.tool()
def resolve(name: str) -> str:
    """Echo a library name."""
    return name


@server.tool()
def query(library: str, question: str) -> str:
    """Echo a question."""
    return f"{library}: {question}"


@server.tool()
def docs(library: str) -> str:
    """Echo a library ID."""
    return library


if __name__ == "__main__":
    server.run()
