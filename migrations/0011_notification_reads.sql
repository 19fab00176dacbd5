-- 0011: who has read which notification. A notification may be addressed to
-- a unit or a role (many people), so "read" is per account.
CREATE TABLE notification_reads (
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    read_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, notification_id)
);
