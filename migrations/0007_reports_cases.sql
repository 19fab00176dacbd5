-- 0007: reports from the field, the cases they open, the audit trail of every
-- case, photo evidence and idempotent writes.
--
-- A report (上报) is what a phone sent; a case (案卷) is what the city handles.
-- Each report opens a case in state 'reported'; the workflow takes it from
-- there, and duplicate reports may later be merged into one case.

-- Routing, written once: the unit a case of a minor category in a cell goes
-- to. The most specific rule wins: location first (cell 4, community 3,
-- street 2, district 1; x10), then category (minor 2, major 1), then the
-- higher priority, then the older rule. No rule: the category's default unit
-- (rule_id NULL). No row at all when the category or the cell is unknown.
CREATE FUNCTION route_case(p_kind text, p_code text, p_cell text)
RETURNS TABLE (unit_id bigint, rule_id bigint, specificity integer)
LANGUAGE sql STABLE AS $$
    WITH cat AS (SELECT kind, code, default_unit_id FROM categories
                 WHERE kind = p_kind AND code = p_code AND char_length(code) = 4 AND active),
         cell AS (SELECT code, community_code FROM grid_cells WHERE code = p_cell),
         rule AS (
            SELECT r.id, r.unit_id,
                   10 * CASE WHEN r.cell_code IS NOT NULL THEN 4 ELSE char_length(r.area_code) / 3 - 1 END
                   + char_length(r.category_code) / 2 AS specificity
            FROM routing_rules r, cat, cell
            WHERE r.category_kind = cat.kind
              AND r.category_code IN (cat.code, left(cat.code, 2))
              AND (r.cell_code = cell.code OR r.area_code IN (cell.community_code,
                   left(cell.community_code, 9), left(cell.community_code, 6)))
            ORDER BY specificity DESC, r.priority DESC, r.id
            LIMIT 1)
    SELECT coalesce(rule.unit_id, cat.default_unit_id), rule.id, rule.specificity
    FROM cat CROSS JOIN cell LEFT JOIN rule ON true
$$;

CREATE TABLE cases (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state         text NOT NULL DEFAULT 'reported'
                  CHECK (state IN ('reported', 'registered', 'dispatched', 'in_progress', 'resolved',
                                   'closed', 'rejected', 'merged', 'cancelled')),
    category_kind text NOT NULL,
    category_code text NOT NULL,
    cell_code     text NOT NULL REFERENCES grid_cells (code) ON UPDATE CASCADE,
    unit_id       bigint REFERENCES units (id),
    urgent        boolean NOT NULL DEFAULT false,
    location      geometry(Point, 4326) NOT NULL,
    description   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1,
    event_count   integer NOT NULL DEFAULT 0,
    last_hash     text,
    FOREIGN KEY (category_kind, category_code) REFERENCES categories (kind, code)
);
COMMENT ON COLUMN cases.unit_id IS 'the unit routing chose at report time, then the unit dispatched to';
COMMENT ON COLUMN cases.last_hash IS 'hash of the newest case_events row: the head of the chain';
CREATE INDEX cases_cell ON cases (cell_code);
CREATE INDEX cases_unit ON cases (unit_id);
-- Possible duplicates: open cases of a category near a point, recently.
CREATE INDEX cases_open_location ON cases USING gist ((location::geography))
    WHERE state IN ('reported', 'registered', 'dispatched', 'in_progress', 'resolved');

-- The audit trail: append-only, each row hash-chained to the previous row of
-- the same case, so an audit can prove nothing was rewritten or removed.
CREATE TABLE case_events (
    case_id   bigint NOT NULL REFERENCES cases (id),
    seq       integer NOT NULL CHECK (seq >= 1),
    kind      text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
    actor_id  bigint REFERENCES users (id),
    at        timestamptz NOT NULL,
    data      jsonb NOT NULL DEFAULT '{}',
    prev_hash text,
    hash      text NOT NULL,
    PRIMARY KEY (case_id, seq),
    CHECK ((seq = 1) = (prev_hash IS NULL))
);

-- sha256 over the previous hash and the event's fields, in a fixed text form
-- (jsonb prints its keys in one canonical order; times in UTC, microseconds).
CREATE FUNCTION case_event_hash(p_prev text, p_case bigint, p_seq integer, p_kind text,
                                p_actor bigint, p_at timestamptz, p_data jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(digest(concat_ws('|', coalesce(p_prev, ''), p_case, p_seq, p_kind,
                                   coalesce(p_actor::text, ''),
                                   to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                   p_data::text), 'sha256'), 'hex')
$$;

CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only();

CREATE TABLE reports (
    id            uuid PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES cases (id),
    reporter_id   bigint NOT NULL REFERENCES users (id),
    source        text NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'open311')),
    category_kind text NOT NULL,
    category_code text NOT NULL,
    location      geometry(Point, 4326) NOT NULL,
    crs           text NOT NULL CHECK (crs IN ('wgs84', 'gcj02', 'bd09')),
    accuracy_m    real CHECK (accuracy_m >= 0),
    address       text CHECK (char_length(address) <= 200),
    description   text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 2000),
    urgent        boolean NOT NULL DEFAULT false,
    cell_code     text NOT NULL REFERENCES grid_cells (code) ON UPDATE CASCADE,
    unit_id       bigint REFERENCES units (id),
    flags         text[] NOT NULL DEFAULT '{}',
    observed_at   timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (category_kind, category_code) REFERENCES categories (kind, code)
);
COMMENT ON COLUMN reports.location IS 'WGS-84, converted from crs when the phone sent GCJ-02 or BD-09';
COMMENT ON COLUMN reports.flags IS 'low_accuracy, outside_own_cells';
CREATE INDEX reports_case ON reports (case_id);
CREATE INDEX reports_created ON reports (created_at DESC, id DESC);
CREATE INDEX reports_updated ON reports (updated_at, id);
CREATE INDEX reports_reporter ON reports (reporter_id, created_at DESC, id DESC);
CREATE INDEX reports_cell ON reports (cell_code, created_at DESC, id DESC);

-- Photos, stored once per content (sha256) in the photo directory.
CREATE TABLE photos (
    sha256        text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    mime          text NOT NULL,
    bytes         bigint NOT NULL CHECK (bytes > 0),
    width         integer NOT NULL CHECK (width > 0),
    height        integer NOT NULL CHECK (height > 0),
    exif_location geometry(Point, 4326),
    exif_taken_at timestamptz,
    has_exif      boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Evidence: a photo used by a case, as a report's "before" photo, a unit's
-- "after" photo or a grid worker's on-site "check" photo.
CREATE TABLE case_photos (
    case_id     bigint NOT NULL REFERENCES cases (id),
    sha256      text NOT NULL REFERENCES photos (sha256),
    kind        text NOT NULL CHECK (kind IN ('before', 'after', 'check')),
    report_id   uuid REFERENCES reports (id),
    flags       text[] NOT NULL DEFAULT '{}',
    uploaded_by bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, kind, sha256)
);
CREATE INDEX case_photos_report ON case_photos (report_id);
CREATE INDEX case_photos_sha ON case_photos (sha256);

-- Idempotent writes: the first answer to (account, key) is kept and replayed.
CREATE TABLE idempotency_keys (
    user_id      bigint NOT NULL REFERENCES users (id),
    key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    status       integer NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
COMMENT ON TABLE idempotency_keys IS 'kept at least 7 days; older rows may be pruned';
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
