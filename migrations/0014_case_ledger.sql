-- 0014: the case ledger (台账) export reads the cases reported in a period,
-- page by page in (created_at, id) order.
CREATE INDEX cases_created ON cases (created_at, id);
