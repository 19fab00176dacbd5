-- 0018: case ledger exports too long to send in the response run as
-- background jobs (GET /v1/exports/cases.csv|xlsx answers 202 and a job URL).
--
-- The state lives here, not in the gridd that runs the job, because the
-- client polls through nginx and may reach any instance: each instance reads
-- the row, and the finished file from export_dir (shared storage when there
-- are several instances, like photo_dir). The instance running a job moves
-- rows_done and updated_at after every page and every half minute (the
-- heartbeat): a 'running' row whose heartbeat stopped belongs to an instance
-- that died, and is reported failed ("interrupted") without anyone having to
-- write that down. The file is <export_dir>/<id>.part while written and
-- <id>.csv or <id>.xlsx when done, so the sweeper can remove the files of an
-- expired row from its id and format alone, whatever state it died in.
CREATE TABLE export_jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,                      -- the download's name: cases.csv, cases.xlsx
    format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    params jsonb NOT NULL,                   -- the query: from, to, area, unit, include_subunits, category
    state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
    rows_done bigint NOT NULL DEFAULT 0,     -- rows written to the file so far
    rows_total bigint,                       -- counted when the job started (a progress bar; may drift)
    file_name text,                          -- in export_dir, once done
    bytes bigint,                            -- its size, once done
    error_code text CHECK (error_code IN ('interrupted', 'database', 'file', 'too_many_rows')),
    error text,                              -- what went wrong, for the operator (clients get error_code's words)
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(), -- the heartbeat while running
    finished_at timestamptz,
    expires_at timestamptz NOT NULL,         -- the sweeper deletes the row and its files after this
    CHECK ((state = 'done') = (file_name IS NOT NULL AND bytes IS NOT NULL AND finished_at IS NOT NULL)),
    CHECK ((state = 'failed') = (error_code IS NOT NULL))
);

-- A caller's downloads panel, newest first; and the running jobs counted per
-- caller before a new one starts.
CREATE INDEX export_jobs_user ON export_jobs (user_id, id DESC);
-- The sweeper's expiry scan.
CREATE INDEX export_jobs_expires ON export_jobs (expires_at);

-- gridd_app reads and writes the table like every other (0012). Its default
-- privileges cover tables made by the role that ran 0012; grant explicitly as
-- well, so that a schema migrated by another role serves the same.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridd_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON export_jobs TO gridd_app;
    END IF;
END
$$;
