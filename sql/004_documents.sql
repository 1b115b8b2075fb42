-- Chunks of documentation with their embeddings. The embedding column is typed to the
-- model's dimension when the database is first bound to an embedding model (embedding_space).
CREATE TABLE documents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id      bigint NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    chunk_index     integer NOT NULL CHECK (chunk_index >= 0),
    title           text NOT NULL,
    hierarchy       text[] NOT NULL DEFAULT '{}',
    content         text NOT NULL,
    content_hash    char(64) NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    embedding       vector,
    source_type     text NOT NULL CHECK (source_type IN ('github', 'git', 'local', 'web', 'pdf')),
    source_path     text,
    source_url      text,
    has_code        boolean NOT NULL DEFAULT false,
    code_language   text,
    token_count     integer NOT NULL DEFAULT 0,
    metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Headings weigh more than body text in full-text rank.
    search_vector   tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', title), 'A')
                        || setweight(to_tsvector('english', content), 'B')
                    ) STORED,
    indexed_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (version_id, chunk_index)
);

CREATE INDEX documents_content_hash_idx ON documents (content_hash);
CREATE INDEX documents_search_idx ON documents USING gin (search_vector);

COMMENT ON COLUMN documents.content_hash IS 'SHA-256 hex of the normalised chunk text; equal hashes share one embedding';
COMMENT ON COLUMN documents.hierarchy IS 'Heading breadcrumb, outermost first';
