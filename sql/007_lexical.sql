-- BM25 in SQL: a fielded full-text vector and per-version term statistics kept at publish.
-- Fields (tsvector weights): A the section's own heading, B its breadcrumb and file path,
-- C code identifiers kept whole (`model_config` → modelconfig), D the body text.
ALTER TABLE documents ADD COLUMN identifiers text NOT NULL DEFAULT '';

DROP INDEX IF EXISTS documents_search_idx;
ALTER TABLE documents DROP COLUMN search_vector;
ALTER TABLE documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(hierarchy[cardinality(hierarchy)], '')), 'A')
    || setweight(to_tsvector('english', title || ' ' || regexp_replace(
           regexp_replace(coalesce(source_path, ''), '\.[A-Za-z0-9]+$', ''), '[/_.-]+', ' ', 'g')), 'B')
    || setweight(to_tsvector('simple', identifiers), 'C')
    || setweight(to_tsvector('english', content), 'D')
) STORED;
CREATE INDEX documents_search_idx ON documents USING gin (search_vector);

-- Document frequency of every lexeme in a version; N is versions.document_count.
CREATE TABLE term_stats (
    version_id  bigint NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    term        text NOT NULL,
    df          integer NOT NULL CHECK (df > 0),
    PRIMARY KEY (version_id, term)
);

-- Mean distinct lexemes per chunk: BM25's length normalisation.
ALTER TABLE versions ADD COLUMN lexical_avg_length real NOT NULL DEFAULT 0;

INSERT INTO term_stats (version_id, term, df)
SELECT d.version_id, u.lexeme, count(*)
FROM documents d, unnest(d.search_vector) u
GROUP BY d.version_id, u.lexeme;

UPDATE versions v SET lexical_avg_length = s.avg_length
FROM (SELECT version_id, avg(length(search_vector)) AS avg_length FROM documents GROUP BY version_id) s
WHERE s.version_id = v.id;

COMMENT ON COLUMN documents.identifiers IS 'Code identifiers of the chunk, lowercased without punctuation, space-separated';
COMMENT ON TABLE term_stats IS 'Per-version document frequencies for BM25, rebuilt when a version is published';
