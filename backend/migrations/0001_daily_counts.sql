-- Conversions counted per UTC day, where they ran, how they ended and the MPP version.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.
--
-- The day is text (`YYYY-MM-DD`), which both databases compare and sort as dates, and which
-- is the first key column so one day's rows are one index range. The checks keep a bug from
-- storing a row the server could not read back or sum.
CREATE TABLE daily_counts (
    day TEXT NOT NULL CHECK (length(day) = 10),
    origin TEXT NOT NULL CHECK (origin IN ('server', 'browser')),
    outcome TEXT NOT NULL,
    version TEXT NOT NULL,
    conversions BIGINT NOT NULL CHECK (conversions >= 0),
    bytes BIGINT NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (day, origin, outcome, version)
);
