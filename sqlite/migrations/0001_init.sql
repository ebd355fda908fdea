-- Conversations with their memory: turns in order, and a summary of older turns.
-- Times are UTC text in a fixed-width RFC 3339 layout so they sort as text.
CREATE TABLE conversations (
	id        TEXT PRIMARY KEY,
	incidents TEXT NOT NULL DEFAULT '[]', -- JSON array of incident numbers
	summary   TEXT NOT NULL DEFAULT '',
	created   TEXT NOT NULL,
	updated   TEXT NOT NULL,
	-- next_seq numbers the turns; bumping it in the UPDATE that opens an append
	-- serialises concurrent appends to one conversation.
	next_seq  INTEGER NOT NULL DEFAULT 0,
	-- touched orders conversations by last change without trusting clocks.
	touched   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_touched ON conversations (touched);

CREATE TABLE turns (
	conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	role            TEXT NOT NULL,
	content         TEXT NOT NULL,
	time            TEXT NOT NULL,
	tokens          INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

-- Audit trail of model calls; the prompt itself is never stored, only its hash.
CREATE TABLE model_calls (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	time              TEXT NOT NULL,
	operation         TEXT NOT NULL,
	incidents         TEXT NOT NULL DEFAULT '[]',
	model             TEXT NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	elapsed_ns        INTEGER NOT NULL,
	request_sha256    TEXT NOT NULL,
	outcome           TEXT NOT NULL
);
CREATE INDEX model_calls_time ON model_calls (time, id);

-- Write-back journal: the last content written to each comment or task.
-- incident_key is the incident's ARM id lower-cased: ARM ids compare
-- case-insensitively (…/incidents and …/Incidents both occur).
CREATE TABLE writes (
	incident_key   TEXT NOT NULL,
	kind           TEXT NOT NULL,
	artifact_id    TEXT NOT NULL,
	incident_id    TEXT NOT NULL,
	content_sha256 TEXT NOT NULL,
	first_at       TEXT NOT NULL,
	at             TEXT NOT NULL,
	PRIMARY KEY (incident_key, kind, artifact_id)
) WITHOUT ROWID;

-- Analysis cache, keyed by incident id + etag + model + options.
CREATE TABLE analyses (
	key             TEXT PRIMARY KEY,
	incident_number INTEGER NOT NULL,
	data            BLOB NOT NULL,
	at              TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX analyses_incident ON analyses (incident_number);
