-- Full-text search over turns (0002) never had a caller: nothing searched
-- conversations, and what serve will need is the write journal and the list
-- of conversations, not search. Its triggers go first, since they write into
-- the tables dropped after them; turns keep every row.
DROP TRIGGER IF EXISTS turns_search_insert;
DROP TRIGGER IF EXISTS turns_search_delete;
DROP TABLE IF EXISTS turns_fts;
DROP TABLE IF EXISTS turn_search;
