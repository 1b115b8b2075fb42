-- One indexed version of a library (a tag, a branch, or a named snapshot of a folder).
CREATE TABLE versions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    library_id          bigint NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
    version             text NOT NULL CHECK (version <> '' AND position('/' IN version) = 0),
    version_normalized  text NOT NULL,
    git_commit          text,
    release_date        timestamptz,
    is_latest           boolean NOT NULL DEFAULT false,
    document_count      integer NOT NULL DEFAULT 0,
    source              jsonb NOT NULL DEFAULT '{}'::jsonb,
    metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
    indexed_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (library_id, version)
);

-- At most one latest version per library.
CREATE UNIQUE INDEX versions_one_latest_idx ON versions (library_id) WHERE is_latest;
CREATE INDEX versions_sort_idx ON versions (library_id, version_normalized DESC);

COMMENT ON COLUMN versions.version_normalized IS 'Sortable form of version (codex7.ids.normalize_version)';
COMMENT ON COLUMN versions.source IS 'Where it was indexed from (source spec, ref), reused by refresh';
