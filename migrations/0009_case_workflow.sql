-- 0009: what the case workflow keeps on a case (server/src/domain/workflow.c
-- is the state machine; server/src/api/cases.c runs each action as one
-- transaction that locks the case, checks, updates it and appends an event).
--
-- The clock: due_at is set at dispatch from the category's limit on the
-- working calendar (urgent limit when urgent), again after a failed check
-- (rework), moved by an approved extension, and pushed back by the time a
-- case spent suspended (挂账) when it resumes.
ALTER TABLE cases
    ADD COLUMN suspended         boolean NOT NULL DEFAULT false,
    ADD COLUMN suspended_at      timestamptz,
    ADD COLUMN extension_pending boolean NOT NULL DEFAULT false,
    ADD COLUMN proposed_due_at   timestamptz,
    ADD COLUMN registered_at     timestamptz,
    ADD COLUMN dispatched_at     timestamptz,
    ADD COLUMN due_at            timestamptz,
    ADD COLUMN resolved_at       timestamptz,
    ADD COLUMN closed_at         timestamptz,
    ADD COLUMN rework_count      integer NOT NULL DEFAULT 0,
    ADD COLUMN extension_count   integer NOT NULL DEFAULT 0,
    ADD COLUMN return_count      integer NOT NULL DEFAULT 0,
    ADD COLUMN urge_count        integer NOT NULL DEFAULT 0,
    ADD COLUMN merged_into       bigint REFERENCES cases (id),
    ADD CONSTRAINT only_merged_cases_point_elsewhere CHECK ((state = 'merged') = (merged_into IS NOT NULL)),
    ADD CONSTRAINT suspended_since CHECK (suspended = (suspended_at IS NOT NULL)),
    ADD CONSTRAINT pending_has_a_proposal CHECK (extension_pending = (proposed_due_at IS NOT NULL));

-- The dispatcher's queue and the overdue board.
CREATE INDEX cases_state_updated ON cases (state, updated_at DESC, id DESC);
CREATE INDEX cases_running_due ON cases (due_at) WHERE state IN ('dispatched', 'in_progress');
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into IS NOT NULL;
