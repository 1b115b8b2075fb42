-- Per page of a crawled website version, what the next refresh needs: the validators for
-- conditional requests (ETag, Last-Modified), the hash of the body, the Markdown made from it
-- (reused as it is when the server answers 304 Not Modified) and the in-scope links on the page
-- (followed again after a 304, so a crawl that follows links still finds every page).
-- Written in the transaction that publishes the version; dropped with the version.
CREATE TABLE web_pages (
    version_id     bigint NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    url            text NOT NULL,
    position       integer NOT NULL CHECK (position >= 0),  -- discovery order: the files' order
    path           text NOT NULL,
    etag           text,
    last_modified  text,
    content_hash   text,
    text           text,
    links          text[] NOT NULL DEFAULT '{}',
    title          text,
    site_name      text,
    description    text,
    fetched_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (version_id, url)
);

COMMENT ON TABLE web_pages IS 'Crawl state per page of a website version, for conditional refresh';
COMMENT ON COLUMN web_pages.content_hash IS 'SHA-256 of the response body (a server that ignores validators but sends the same bytes)';
COMMENT ON COLUMN web_pages.text IS 'The page as Markdown, reused when the server answers 304';
