-- Full-text search over turns. FTS5 needs an integer rowid per document and
-- turns has a composite key, so turn_search maps one to the other; triggers
-- keep both in step with turns (ReplaceHistory deletes, appends insert).
CREATE TABLE turn_search (
	rowid           INTEGER PRIMARY KEY,
	conversation_id TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	UNIQUE (conversation_id, seq)
);
CREATE VIRTUAL TABLE turns_fts USING fts5 (content, tokenize = 'unicode61');

INSERT INTO turn_search (conversation_id, seq) SELECT conversation_id, seq FROM turns;
INSERT INTO turns_fts (rowid, content)
	SELECT s.rowid, t.content FROM turns t JOIN turn_search s ON s.conversation_id = t.conversation_id AND s.seq = t.seq;

CREATE TRIGGER turns_search_insert AFTER INSERT ON turns BEGIN
	INSERT INTO turn_search (conversation_id, seq) VALUES (new.conversation_id, new.seq);
	INSERT INTO turns_fts (rowid, content) VALUES (last_insert_rowid(), new.content);
END;

CREATE TRIGGER turns_search_delete AFTER DELETE ON turns BEGIN
	DELETE FROM turns_fts WHERE rowid = (SELECT rowid FROM turn_search WHERE conversation_id = old.conversation_id AND seq = old.seq);
	DELETE FROM turn_search WHERE conversation_id = old.conversation_id AND seq = old.seq;
END;
