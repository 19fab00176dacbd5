-- 0008: campaigns (专项行动) and their actions.
--
-- A city runs campaigns such as 创建文明城市 (becoming a "civilised city"),
-- each made of actions (市容环境整治, 违法建设治理, 占道经营整治 ...). Every
-- action has one lead unit (牵头单位) that answers for it, the responsible
-- units (责任单位) that do the work, and the categories - a major such as
-- event:01 or a minor such as event:0102 - whose cases count towards it.
-- The API replaces a campaign as one document (PUT /v1/campaigns/{code}).

CREATE TABLE campaigns (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,32}$'),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    starts_on  date NOT NULL,
    ends_on    date,                                -- NULL: open-ended
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaign_ends_after_it_starts CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

-- Actions keep their id while the campaign document is replaced: they are
-- matched by (campaign, code). position orders them as the document listed them.
CREATE TABLE campaign_actions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    code         text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,32}$'),
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description  text CHECK (char_length(description) BETWEEN 1 AND 500),
    lead_unit_id bigint NOT NULL,
    position     integer NOT NULL DEFAULT 0,
    CONSTRAINT action_code_unique_in_campaign UNIQUE (campaign_id, code),
    CONSTRAINT action_lead_unit_exists FOREIGN KEY (lead_unit_id) REFERENCES units (id)
);
CREATE INDEX campaign_actions_lead_unit ON campaign_actions (lead_unit_id);

-- 责任单位: the units that work on an action.
CREATE TABLE campaign_action_units (
    action_id bigint NOT NULL REFERENCES campaign_actions (id) ON DELETE CASCADE,
    unit_id   bigint NOT NULL,
    PRIMARY KEY (action_id, unit_id),
    CONSTRAINT action_unit_exists FOREIGN KEY (unit_id) REFERENCES units (id)
);
CREATE INDEX campaign_action_units_unit ON campaign_action_units (unit_id);

-- The categories an action targets: a major covers all its minors. The key
-- to categories keeps a targeted category from being deleted (retire it).
CREATE TABLE campaign_action_categories (
    action_id     bigint NOT NULL REFERENCES campaign_actions (id) ON DELETE CASCADE,
    category_kind text NOT NULL,
    category_code text NOT NULL,
    PRIMARY KEY (action_id, category_kind, category_code),
    CONSTRAINT action_category_exists FOREIGN KEY (category_kind, category_code)
        REFERENCES categories (kind, code)
);
CREATE INDEX campaign_action_categories_category ON campaign_action_categories (category_kind, category_code);
