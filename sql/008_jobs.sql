-- Indexing jobs become a durable queue. A job row holds the whole request; a worker claims it
-- with FOR UPDATE SKIP LOCKED and holds a lease it renews by heartbeat. A job whose lease ran
-- out (its worker died) is queued again until max_attempts, then failed with the reason.
ALTER TABLE indexing_jobs
    ADD COLUMN request          jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN stage            text,
    ADD COLUMN attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    ADD COLUMN lease_owner      text,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN heartbeat_at     timestamptz,
    ADD COLUMN to_embed         integer NOT NULL DEFAULT 0,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
    ADD COLUMN result           jsonb;

COMMENT ON COLUMN indexing_jobs.request IS 'The IndexRequest as JSON (source spec made absolute, ref, library, version, folders, excludes, name, description, latest)';
COMMENT ON COLUMN indexing_jobs.result IS 'The IndexResult as JSON once the job succeeded';

-- Runs recorded before the queue ran once each; one still marked running or queued was lost
-- with its process and cannot be resumed (its request was not recorded).
UPDATE indexing_jobs SET attempts = 1, stage = 'done' WHERE status = 'succeeded';
UPDATE indexing_jobs SET attempts = 1 WHERE status IN ('failed', 'cancelled');
UPDATE indexing_jobs
SET status = 'failed', attempts = 1, finished_at = coalesce(finished_at, now()),
    error = coalesce(error, 'interrupted (its process ended before durable jobs existed)')
WHERE status IN ('queued', 'running');

-- Claiming looks only at the few active jobs.
CREATE INDEX indexing_jobs_active_idx ON indexing_jobs (id) WHERE status IN ('queued', 'running');

-- Workers (`codex7 worker`, the one inside `codex7 serve`) announce themselves here so that
-- `codex7 index` knows whether anyone will run what it enqueues.
CREATE TABLE job_workers (
    id            text PRIMARY KEY,
    hostname      text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- Refresh intervals: a worker enqueues a refresh of the library once last_enqueued_at + every
-- has passed.
CREATE TABLE library_schedules (
    library_id        bigint PRIMARY KEY REFERENCES libraries (id) ON DELETE CASCADE,
    every             interval NOT NULL CHECK (every > interval '0'),
    last_enqueued_at  timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Vectors computed by a job before it publishes, slice by slice, so that a re-run after a crash
-- embeds only what was not embedded yet. Publishing deletes the rows of the hashes it publishes;
-- rows of runs that never published are purged after some days (codex7.store.checkpoints).
CREATE TABLE embedding_checkpoints (
    space         text NOT NULL,
    content_hash  text NOT NULL,
    embedding     vector NOT NULL,
    job_id        bigint REFERENCES indexing_jobs (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (space, content_hash)
);

CREATE INDEX embedding_checkpoints_job_idx ON embedding_checkpoints (job_id);
CREATE INDEX embedding_checkpoints_created_idx ON embedding_checkpoints (created_at);
