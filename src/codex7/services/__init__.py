"""The application layer: what every interface (MCP, REST, CLI, eval, worker) calls."""
