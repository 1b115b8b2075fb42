-- Storage per chunk (issue 16).
-- - Vectors are halfvec: half the bytes of `vector`; pgvector's HNSW indexes halfvec of up to
--   4,000 dimensions (halfvec_cosine_ops). The per-version indexes are rebuilt for it.
-- - The vector stays in the heap row (STORAGE MAIN), so an exact scan reads no TOAST, and
--   toast_tuple_target lets a row's text stay inline beside it as long as the rows a page can
--   hold still fit (store/embedding_space.py sets the same whenever it types the column).
-- - Dropped: documents.metadata (the heading anchor it held is in source_url; nothing read it)
--   and documents.indexed_at (versions.indexed_at records when a version was published).
-- - content_hash is only looked up by equality: a hash index, a fraction of the btree's size.
DO $$
DECLARE
    dims integer;
    per_page integer;
    target integer := 2032;  -- PostgreSQL's default
    indexed bigint[];
    v bigint;
BEGIN
    SELECT nullif(atttypmod, -1) INTO dims FROM pg_attribute
    WHERE attrelid = 'documents'::regclass AND attname = 'embedding';
    SELECT coalesce(array_agg(substring(c.relname FROM '^documents_embedding_v([0-9]+)$')::bigint), '{}')
    INTO indexed
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'documents'::regclass AND c.relname ~ '^documents_embedding_v[0-9]+$';
    FOREACH v IN ARRAY indexed LOOP
        EXECUTE format('DROP INDEX %I', 'documents_embedding_v' || v);
    END LOOP;
    IF dims IS NULL THEN
        ALTER TABLE documents
            DROP COLUMN metadata,
            DROP COLUMN indexed_at,
            ALTER COLUMN embedding TYPE halfvec USING embedding::halfvec,
            ALTER COLUMN embedding SET STORAGE MAIN;
    ELSE
        -- The same rule as store.embedding_space.row_target().
        per_page := greatest(1, 8160 / (2 * dims + 8 + 200));
        target := least(8156, greatest(2032, 8160 / per_page - 4));
        EXECUTE format(
            'ALTER TABLE documents DROP COLUMN metadata, DROP COLUMN indexed_at, '
            'ALTER COLUMN embedding TYPE halfvec(%s) USING embedding::halfvec(%s), '
            'ALTER COLUMN embedding SET STORAGE MAIN, SET (toast_tuple_target = %s)',
            dims, dims, target);
    END IF;
    -- The per-version HNSW indexes, now over halfvec (store.vector_index).
    SET LOCAL maintenance_work_mem = '512MB';
    FOREACH v IN ARRAY indexed LOOP
        EXECUTE format(
            'CREATE INDEX %I ON documents USING hnsw (embedding halfvec_cosine_ops) WHERE version_id = %s',
            'documents_embedding_v' || v, v);
    END LOOP;
END $$;

DROP INDEX documents_content_hash_idx;
CREATE INDEX documents_content_hash_idx ON documents USING hash (content_hash);

COMMENT ON COLUMN documents.embedding IS 'halfvec(N), N the model''s dimensions (embedding_space); kept in the row (STORAGE MAIN)';
