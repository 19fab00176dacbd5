-- 0005: the working calendar's dated exceptions (工作日历).
--
-- Working periods per weekday (Mon-Fri 08:30-12:00 and 13:30-17:30) and the
-- city's offset (Asia/Shanghai, UTC+08:00, no daylight saving) are the
-- defaults of server/src/domain/calendar.c. Each year the State Council
-- publishes holidays and make-up working days (调休); they are stored here
-- and loaded per year with PUT /v1/calendar/{year}.
CREATE TABLE calendar_exceptions (
    day     date PRIMARY KEY,
    kind    text NOT NULL CHECK (kind IN ('holiday', 'workday')),
    pattern text CHECK (pattern IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday',
                                    'saturday', 'sunday')),
    name    text CHECK (char_length(name) <= 60),
    CONSTRAINT only_workdays_have_a_pattern CHECK (kind = 'workday' OR pattern IS NULL)
);
COMMENT ON COLUMN calendar_exceptions.pattern IS 'a make-up working day works with the periods of this weekday (default monday)';
