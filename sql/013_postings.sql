-- BM25 postings per version, replacing term_stats and the stored tsvector: for each lexeme,
-- the chunks holding it and its BM25 term weight in each. A query sums a few arrays instead of
-- ranking matches with ts_rank; codex7.store.lexical rebuilds a version's rows at publish,
-- computing the chunks' lexemes there, so documents no longer stores them (nor their GIN index).
CREATE TABLE term_postings (
    version_id  bigint NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    term        text NOT NULL,
    chunks      integer[] NOT NULL,   -- documents.chunk_index, ascending
    weights     real[] NOT NULL,      -- tf·(k1+1) / (tf + k1·(1 − b + b·len/mean len)), per chunk
    fields      smallint[] NOT NULL,  -- 1: in the chunk's own heading, 2: in its breadcrumb/path
    PRIMARY KEY (version_id, term)
);

-- Existing versions, from the stored tsvectors, with codex7.store.lexical.Bm25Params' defaults
-- (k1 1.2, b 0.75; field weights heading 3, breadcrumb 1.5, identifiers 2, body 1).
INSERT INTO term_postings (version_id, term, chunks, weights, fields)
SELECT p.version_id, p.term,
       array_agg(p.chunk_index ORDER BY p.chunk_index),
       array_agg(p.weight ORDER BY p.chunk_index),
       array_agg(p.fields ORDER BY p.chunk_index)
FROM (
    SELECT d.version_id, u.lexeme AS term, d.chunk_index, f.fields,
           (f.tf * 2.2 / (f.tf + 1.2 * (0.25 + 0.75 * length(d.search_vector) / m.len)))::real AS weight
    FROM documents d
    JOIN (SELECT version_id, greatest(avg(length(search_vector)), 1) AS len
          FROM documents GROUP BY version_id) m ON m.version_id = d.version_id
    CROSS JOIN LATERAL unnest(d.search_vector) u
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(CASE w WHEN 'A' THEN 3 WHEN 'B' THEN 1.5 WHEN 'C' THEN 2 ELSE 1 END), 1) AS tf,
               ((CASE WHEN bool_or(w = 'A') THEN 1 ELSE 0 END)
                + (CASE WHEN bool_or(w = 'B') THEN 2 ELSE 0 END))::smallint AS fields
        FROM unnest(u.weights) w
    ) f
) p
GROUP BY p.version_id, p.term;

DROP TABLE term_stats;
ALTER TABLE versions DROP COLUMN lexical_avg_length;
ALTER TABLE documents DROP COLUMN search_vector;  -- and its GIN index

COMMENT ON TABLE term_postings IS 'Per-version BM25 postings, rebuilt when a version is published';
