-- What agents ask: one row per MCP tool call or REST docs/search call (codex7.services.analytics).
-- CODEX7_QUERY_LOG=aggregate records the figures without the query text; =off records nothing.
-- Rows older than CODEX7_QUERY_LOG_DAYS are deleted by the server as it records new ones.
CREATE TABLE query_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    -- The caller's workspace (NULL: the default one); each workspace sees only its own calls.
    workspace_id bigint REFERENCES workspaces (id) ON DELETE CASCADE,
    tool        text NOT NULL,     -- query-docs, resolve-library-id, GET /api/v2/context, ...
    library     text,              -- /org/project asked for (resolve-library-id: the name asked)
    version     text,              -- the version that answered, else the one asked for
    query       text,              -- the question; NULL for an overview or in aggregate mode
    results     integer NOT NULL DEFAULT 0 CHECK (results >= 0),  -- snippets or libraries
    tokens      integer CHECK (tokens >= 0),                      -- of the answer's text
    latency_ms  real NOT NULL CHECK (latency_ms >= 0),
    error       text               -- the error's kind (LibraryNotFound, ...); NULL on success
);

-- Every report reads a window of recent days; the prune deletes the oldest.
CREATE INDEX query_log_at_idx ON query_log (at);
