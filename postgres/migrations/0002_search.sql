-- Full-text search over turns. The 'simple' configuration lower-cases and
-- splits words without stemming or stop words: analysts search for host
-- names, accounts and tool names, not English prose.
CREATE INDEX turns_search ON turns USING GIN (to_tsvector('simple', content));
