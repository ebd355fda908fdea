-- Analysts' ratings of chat answers, kept with the audit trail: like the
-- model calls they hold a hash of the answer, never its text. Rating the
-- same answer again replaces the earlier rating.
CREATE TABLE IF NOT EXISTS ratings (
	conversation_id TEXT NOT NULL,
	turn            INTEGER NOT NULL,
	time            TIMESTAMPTZ NOT NULL,
	incidents       JSONB NOT NULL DEFAULT '[]',
	value           TEXT NOT NULL,
	model           TEXT NOT NULL,
	answer_sha256   TEXT NOT NULL,
	rated_by        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (conversation_id, turn)
);
CREATE INDEX IF NOT EXISTS ratings_time ON ratings (time);
