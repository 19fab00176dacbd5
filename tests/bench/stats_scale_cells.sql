-- stats_scale_cells.sql - :cells more grid cells for the statistics scale
-- bench (stats_scale.sh), spread evenly over the demo city's communities.
--
-- Each community gets a block of square cells of 0.0006° x 0.00045° (about
-- 51 m x 50 m) south of the demo grid (which starts at 39.9100 N): block i
-- at 116.3900 + 0.0200 (i % 2) E, 39.8700 + 0.0150 (i / 2) N, at most
-- 32 x 32 cells, so blocks neither overlap each other nor the demo cells.
-- Codes are the community's 12 digits and a 3-digit sequence after the
-- community's highest one (the demo uses 001-006), so at most 993 more per
-- community. Names: "<community>第N网格", as the demo's.
\set ON_ERROR_STOP 1
SELECT set_config('bench.cells', :'cells', false) \g /dev/null
DO $$
DECLARE
    want int := current_setting('bench.cells')::int;
    n_comm int;
BEGIN
    SELECT count(*) INTO n_comm FROM areas WHERE level = 'community';
    IF n_comm = 0 OR n_comm > 4 THEN
        RAISE EXCEPTION 'stats_scale_cells.sql expects the demo city (1 to 4 communities), found %', n_comm;
    END IF;
    IF want < 0 OR want > n_comm * 993 THEN
        RAISE EXCEPTION 'BENCH_CELLS must be 0..% (3-digit cell sequences), got %', n_comm * 993, want;
    END IF;
END
$$;

WITH comm AS (
    SELECT a.code, a.name, (row_number() OVER (ORDER BY a.code) - 1)::int AS i,
           count(*) OVER ()::int AS n,
           coalesce((SELECT max(right(g.code, 3)::int) FROM grid_cells g
                     WHERE g.community_code = a.code AND char_length(g.code) = 15), 0) AS last_seq
    FROM areas a WHERE a.level = 'community'),
per AS (
    SELECT comm.*, :cells / n + (i < :cells % n)::int AS k FROM comm),
side AS (
    SELECT per.*, greatest(1, ceil(sqrt(k))::int) AS cols FROM per),
cell AS (
    SELECT s.code AS community_code, s.name AS community_name, s.i, s.last_seq + j AS seq,
           116.3900 + 0.0200 * (s.i % 2) + 0.0006 * ((j - 1) % s.cols) AS x0,
           39.8700 + 0.0150 * (s.i / 2) + 0.00045 * ((j - 1) / s.cols) AS y0
    FROM side s CROSS JOIN LATERAL generate_series(1, s.k) j)
INSERT INTO grid_cells (code, name, community_code, geom, population, households)
SELECT community_code || lpad(seq::text, 3, '0'), community_name || '第' || seq || '网格', community_code,
       ST_Multi(ST_MakeEnvelope(round(x0::numeric, 5)::float8, round(y0::numeric, 5)::float8,
                                round((x0 + 0.0006)::numeric, 5)::float8,
                                round((y0 + 0.00045)::numeric, 5)::float8, 4326)),
       300 + (hashtext(community_code || seq) & 1023), 120 + (hashtext(seq || community_code) & 511)
FROM cell;
