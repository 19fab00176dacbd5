-- 0002: accounts, sessions and login throttling (identity and access).
--
-- Scope links: unit staff -> their unit (unit_id), grid workers -> the cells
-- they patrol (user_cells), dispatchers and supervisors -> an area code
-- (district, or NULL for the whole city). The foreign keys to units and
-- grid_cells are added by the city-model migration that creates those tables.

CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login               text NOT NULL CHECK (login ~ '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$'),
    display_name        text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
    phone               text CHECK (phone ~ '^\+?[0-9][0-9 -]{4,19}$'),
    role                text NOT NULL CHECK (role IN ('grid_worker', 'dispatcher', 'unit_staff',
                                                       'supervisor', 'admin')),
    unit_id             bigint,
    area_code           text CHECK (area_code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'),
    active              boolean NOT NULL DEFAULT true,
    token_version       integer NOT NULL DEFAULT 0,
    password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    last_login_at       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT unit_staff_have_a_unit CHECK (role <> 'unit_staff' OR unit_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_login_key ON users (lower(login));
COMMENT ON COLUMN users.token_version IS 'access tokens carry it as tv; raising it ends every session';
COMMENT ON COLUMN users.area_code IS 'dispatchers and supervisors: the area they work in; NULL = the whole city';

-- Cells a grid worker patrols (网格员 -> 单元网格).
CREATE TABLE user_cells (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cell_code text NOT NULL CHECK (cell_code ~ '^[0-9]{14,15}$'),
    PRIMARY KEY (user_id, cell_code)
);
CREATE INDEX user_cells_cell ON user_cells (cell_code);

-- Refresh tokens: only their sha256 is stored. Each login starts a family;
-- every refresh spends one token and adds the next to the family. Presenting
-- a spent token again revokes the whole family (theft detection).
CREATE TABLE refresh_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Failed logins, for throttling per login and per client address across
-- every gridd instance. Old rows are useless after the window and may be
-- deleted by anyone.
CREATE TABLE login_failures (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login  text NOT NULL,
    client text NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_login ON login_failures (lower(login), at);
CREATE INDEX login_failures_client ON login_failures (client, at);
