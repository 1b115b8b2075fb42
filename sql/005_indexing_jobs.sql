-- One row per indexing run, with live progress counters.
CREATE TABLE indexing_jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    library         text NOT NULL,
    version         text,
    library_id      bigint REFERENCES libraries (id) ON DELETE SET NULL,
    version_id      bigint REFERENCES versions (id) ON DELETE SET NULL,
    source          text NOT NULL,
    ref             text,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    files_total     integer NOT NULL DEFAULT 0,
    files_done      integer NOT NULL DEFAULT 0,
    chunks          integer NOT NULL DEFAULT 0,
    embedded        integer NOT NULL DEFAULT 0,
    reused          integer NOT NULL DEFAULT 0,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);

CREATE INDEX indexing_jobs_created_idx ON indexing_jobs (created_at DESC);
