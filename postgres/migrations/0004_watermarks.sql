-- The service's poller remembers, per workspace, the newest lastModifiedTime
-- it has listed and which incident states it saw at exactly that instant,
-- so a restart lists from there: nothing missed, nothing listed twice.
CREATE TABLE IF NOT EXISTS poll_watermarks (
	workspace_key TEXT PRIMARY KEY,
	watermark     TIMESTAMPTZ NOT NULL,
	seen          JSONB NOT NULL DEFAULT '[]',
	updated_at    TIMESTAMPTZ NOT NULL
);
