-- Full-text search over turns (0002) never had a caller: nothing searched
-- conversations, and what serve will need is the write journal and the list
-- of conversations, not search. Its index goes; turns keep every row.
DROP INDEX IF EXISTS turns_search;
