-- Workspaces, API keys, library visibility and the audit log (docs/team.md).
--
-- A workspace is one team. A library is owned by a workspace (workspace_id) or by the default
-- workspace (NULL: the server's operators, the CODEX7_API_KEYS / CODEX7_ADMIN_KEYS bootstrap
-- keys, anonymous callers), and is public (every caller sees it) or private (only its owning
-- workspace's keys see it). Libraries indexed before this migration stay public and owned by the
-- default workspace, so an existing server answers exactly as before.
CREATE TABLE workspaces (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE
                 CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$' AND name <> 'default'),
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Only a key's SHA-256 digest is stored; the key itself is shown once, when it is created. The
-- prefix (e.g. ctx7sk-1a2b3c4d) is not secret: it names the key in listings and the audit log.
CREATE TABLE api_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  bigint REFERENCES workspaces (id) ON DELETE CASCADE,  -- NULL: the default workspace
    prefix        text NOT NULL UNIQUE,
    digest        char(64) NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
    scopes        text[] NOT NULL
                  CHECK ('read' = ANY (scopes) AND scopes <@ ARRAY['read', 'admin']::text[]),
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id);

ALTER TABLE libraries
    ADD COLUMN workspace_id bigint REFERENCES workspaces (id),
    ADD COLUMN visibility   text NOT NULL DEFAULT 'public'
                            CHECK (visibility IN ('public', 'private')),
    ADD CONSTRAINT libraries_private_has_workspace
        CHECK (visibility = 'public' OR workspace_id IS NOT NULL);

-- Identifiers are unique per workspace, and public ones across all workspaces. A private
-- library may share its identifier with another workspace's library: neither can tell.
ALTER TABLE libraries DROP CONSTRAINT libraries_identifier_key;
CREATE UNIQUE INDEX libraries_workspace_identifier_idx
    ON libraries ((coalesce(workspace_id, 0)), identifier);
CREATE UNIQUE INDEX libraries_public_identifier_idx
    ON libraries (identifier) WHERE visibility = 'public';

COMMENT ON COLUMN libraries.workspace_id IS 'Owning workspace; NULL: the default workspace';
COMMENT ON COLUMN libraries.visibility IS 'public: every caller; private: the owning workspace only';

-- Who did what: keys created and revoked, libraries added, refreshed, removed, visibility
-- changed, refused authentication. Never a key, a digest or an Authorization header: a key is
-- named by its prefix.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    workspace_id  bigint REFERENCES workspaces (id) ON DELETE CASCADE,  -- NULL: the default workspace
    actor         text NOT NULL,
    action        text NOT NULL,
    target        text NOT NULL DEFAULT '',
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, at DESC);
