-- Conversations with their memory: turns in order, and a summary of older turns.
CREATE TABLE conversations (
	id        TEXT PRIMARY KEY,
	incidents JSONB NOT NULL DEFAULT '[]', -- array of incident numbers
	summary   TEXT NOT NULL DEFAULT '',
	created   TIMESTAMPTZ NOT NULL,
	updated   TIMESTAMPTZ NOT NULL,
	-- next_seq numbers the turns; bumping it in the UPDATE that opens an append
	-- takes the row lock, which serialises concurrent appends to one conversation.
	next_seq  BIGINT NOT NULL DEFAULT 0,
	-- touched orders conversations by last change without trusting replica clocks.
	touched   BIGINT NOT NULL
);
CREATE SEQUENCE conversation_touches OWNED BY conversations.touched;
CREATE INDEX conversations_touched ON conversations (touched);

CREATE TABLE turns (
	conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	seq             BIGINT NOT NULL,
	role            TEXT NOT NULL,
	content         TEXT NOT NULL,
	time            TIMESTAMPTZ NOT NULL,
	tokens          INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, seq)
);

-- Audit trail of model calls; the prompt itself is never stored, only its hash.
CREATE TABLE model_calls (
	id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time              TIMESTAMPTZ NOT NULL,
	operation         TEXT NOT NULL,
	incidents         JSONB NOT NULL DEFAULT '[]',
	model             TEXT NOT NULL,
	prompt_tokens     INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	elapsed_ns        BIGINT NOT NULL,
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
	first_at       TIMESTAMPTZ NOT NULL,
	at             TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (incident_key, kind, artifact_id)
);

-- Analysis cache, keyed by incident id + etag + model + options.
CREATE TABLE analyses (
	key             TEXT PRIMARY KEY,
	incident_number INTEGER NOT NULL,
	data            BYTEA NOT NULL,
	at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX analyses_incident ON analyses (incident_number);
