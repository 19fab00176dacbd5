-- 0010: what the sweeper (server/src/jobs/sweeper.c) keeps, so that each of
-- its warnings is given once, whichever gridd instance runs it and however
-- often it restarts.
--
--   overdue_at        the deadline passed (event 'overdue', unit and supervisors told)
--   escalated_at      overdue by more than the case's own time limit again
--                     (event 'escalated', supervisors told a second time)
--   dispatch_late_at  registered but not dispatched within the dispatch limit
--   check_late_at     resolved but not checked within the check limit
-- A new deadline (rework, extension, resume) clears overdue_at and escalated_at.
ALTER TABLE cases
    ADD COLUMN overdue_at       timestamptz,
    ADD COLUMN escalated_at     timestamptz,
    ADD COLUMN dispatch_late_at timestamptz,
    ADD COLUMN check_late_at    timestamptz;

-- Who is told about what: a unit (its staff), a role (every dispatcher or
-- supervisor whose area holds the case's cell), or one account.
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES cases (id),
    kind       text NOT NULL CHECK (kind IN ('overdue', 'escalated', 'dispatch_late', 'check_late', 'urged')),
    unit_id    bigint REFERENCES units (id),
    role       text CHECK (role IN ('dispatcher', 'supervisor')),
    user_id    bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notification_has_one_audience
        CHECK (num_nonnulls(unit_id, role, user_id) = 1)
);
CREATE INDEX notifications_unit ON notifications (unit_id, id) WHERE unit_id IS NOT NULL;
CREATE INDEX notifications_role ON notifications (role, id) WHERE role IS NOT NULL;
CREATE INDEX notifications_user ON notifications (user_id, id) WHERE user_id IS NOT NULL;
