-- 0004: the category taxonomy (部件/事件分类) and routing rules.
--
-- A category is (kind, code): kind 'event' (事件) or 'component' (部件); code
-- a 2-digit major or a 4-digit minor (major + 2 digits), CJ/T 214 and
-- GB/T 30428.2 style. Event and component codes overlap (both have a major
-- 01), so the kind is part of the key; the API writes it as "event:0102".
-- Each minor category has a handling time limit, an urgent limit, a default
-- unit, and says whether an "after" photo is needed to resolve a case.

CREATE TABLE categories (
    kind                 text NOT NULL CHECK (kind IN ('event', 'component')),
    code                 text NOT NULL CHECK (code ~ '^(0[1-9]|[1-9][0-9])(0[1-9]|[1-9][0-9])?$'),
    major                text GENERATED ALWAYS AS (left(code, 2)) STORED,
    name_zh              text NOT NULL CHECK (char_length(name_zh) BETWEEN 1 AND 60),
    name_en              text NOT NULL CHECK (char_length(name_en) BETWEEN 1 AND 120),
    default_unit_id      bigint REFERENCES units (id),
    limit_value          integer CHECK (limit_value > 0),
    limit_unit           text CHECK (limit_unit IN ('working_minutes', 'working_hours', 'working_days',
                                                    'calendar_minutes', 'calendar_hours', 'calendar_days')),
    urgent_limit_value   integer CHECK (urgent_limit_value > 0),
    urgent_limit_unit    text CHECK (urgent_limit_unit IN ('working_minutes', 'working_hours', 'working_days',
                                                           'calendar_minutes', 'calendar_hours', 'calendar_days')),
    urgent_by_default    boolean NOT NULL DEFAULT false,
    after_photo_required boolean NOT NULL DEFAULT true,
    active               boolean NOT NULL DEFAULT true,
    PRIMARY KEY (kind, code),
    CONSTRAINT minor_has_a_limit
        CHECK (char_length(code) = 2 OR (limit_value IS NOT NULL AND limit_unit IS NOT NULL)),
    CONSTRAINT limits_come_in_pairs
        CHECK ((limit_value IS NULL) = (limit_unit IS NULL)
               AND (urgent_limit_value IS NULL) = (urgent_limit_unit IS NULL))
);
-- A minor needs its major.
CREATE UNIQUE INDEX categories_major_key ON categories (kind, major, code);
ALTER TABLE categories ADD CONSTRAINT minor_has_its_major
    FOREIGN KEY (kind, major) REFERENCES categories (kind, code);

-- Routing rules: (category or category major) x (area or cell) -> unit.
-- The most specific rule wins: a minor category beats a major, a cell beats
-- a community beats a street beats a district; then the higher priority,
-- then the lower id. Without a matching rule, the category's default unit.
CREATE TABLE routing_rules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_kind text NOT NULL CHECK (category_kind IN ('event', 'component')),
    category_code text NOT NULL CHECK (category_code ~ '^[0-9]{2}([0-9]{2})?$'),
    area_code     text REFERENCES areas (code),
    cell_code     text REFERENCES grid_cells (code),
    unit_id       bigint NOT NULL REFERENCES units (id),
    priority      integer NOT NULL DEFAULT 0,
    note          text,
    CONSTRAINT rule_targets_an_area_or_a_cell CHECK ((area_code IS NULL) <> (cell_code IS NULL)),
    FOREIGN KEY (category_kind, category_code) REFERENCES categories (kind, code)
);
CREATE INDEX routing_rules_category ON routing_rules (category_kind, left(category_code, 2));
