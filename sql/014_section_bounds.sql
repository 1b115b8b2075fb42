-- Each chunk's section as a range of chunk_index (issue 16): the chunks of the same page and
-- heading path in a row. A query fetches the whole section around each hit; with the bounds
-- it reads only the section's rows instead of every row of a window around the hit.
-- codex7.store.documents writes them with the chunks. Rows indexed before have none and are
-- fetched as before (the window, filtered by page and heading) until their version is
-- indexed again: filling them in here would rewrite every row and every vector index.
ALTER TABLE documents
    ADD COLUMN section_start integer,
    ADD COLUMN section_end integer;
