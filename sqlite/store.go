package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/sqlstore"
)

// querier is what reads need from a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// nextTouch numbers a conversation's latest change: LatestConversation
// orders by it rather than by clock time, so two changes within one clock
// tick still order correctly. Writers are serialised, so MAX+1 is unique.
const nextTouch = `(SELECT COALESCE(MAX(touched), 0) + 1 FROM conversations)`

// incidentsJSON is incident numbers as the incidents columns hold them: a
// JSON array, never null.
func incidentsJSON(v []int) string {
	b, _ := json.Marshal(sqlstore.Incidents(v)) // an []int always marshals
	return string(b)
}

// parseIncidents reads an incidents column; the result is never nil.
func parseIncidents(s string) ([]int, error) {
	var v []int
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("stored incidents %q: %w", s, err)
	}
	if v == nil {
		v = []int{}
	}
	return v, nil
}

// CreateConversation stores c with its turns. An empty ID gets a random one;
// zero Created, Updated and turn times get the current time. It returns the
// conversation as stored.
func (s *Store) CreateConversation(ctx context.Context, c socpilot.Conversation) (socpilot.Conversation, error) {
	c = sqlstore.NewConversation(c)
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO conversations (id, incidents, summary, created, updated, next_seq, touched)
			VALUES (?, ?, ?, ?, ?, ?, `+nextTouch+`) ON CONFLICT (id) DO NOTHING`,
			c.ID, incidentsJSON(c.Incidents), c.Summary, fmtTime(c.Created), fmtTime(c.Updated), len(c.Turns))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return socpilot.Errorf(socpilot.EConflict, "conversation %q already exists", c.ID)
		}
		return insertTurns(ctx, tx, c.ID, 1, c.Turns)
	})
	if err != nil {
		return socpilot.Conversation{}, fmt.Errorf("create conversation %s: %w", c.ID, err)
	}
	return c, nil
}

func insertTurns(ctx context.Context, tx *sql.Tx, id string, firstSeq int64, turns []socpilot.Turn) error {
	if len(turns) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO turns (conversation_id, seq, role, content, time, tokens) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, tu := range turns {
		if _, err := st.ExecContext(ctx, id, firstSeq+int64(i), tu.Role, tu.Content, fmtTime(tu.Time), tu.Tokens); err != nil {
			return fmt.Errorf("insert turn %d: %w", i, err)
		}
	}
	return nil
}

// write runs fn in a write transaction.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// read runs fn in a read transaction: one consistent snapshot.
func (s *Store) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// Conversation returns the conversation with its turns in order; ErrNotFound when none has id.
func (s *Store) Conversation(ctx context.Context, id string) (socpilot.Conversation, error) {
	var c socpilot.Conversation
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = getConversation(ctx, tx, id)
		return err
	})
	if err != nil {
		return socpilot.Conversation{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	return c, nil
}

// LatestConversation returns the most recently changed conversation; ErrNotFound when there is none.
func (s *Store) LatestConversation(ctx context.Context) (socpilot.Conversation, error) {
	var c socpilot.Conversation
	err := s.read(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM conversations ORDER BY touched DESC LIMIT 1`).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.NoConversation()
		}
		if err != nil {
			return err
		}
		c, err = getConversation(ctx, tx, id)
		return err
	})
	if err != nil {
		return socpilot.Conversation{}, fmt.Errorf("latest conversation: %w", err)
	}
	return c, nil
}

const conversationColumns = `id, incidents, summary, created, updated`

func scanConversation(sc interface{ Scan(...any) error }) (socpilot.Conversation, error) {
	var c socpilot.Conversation
	var inc, created, updated string
	if err := sc.Scan(&c.ID, &inc, &c.Summary, &created, &updated); err != nil {
		return c, err
	}
	var err error
	if c.Incidents, err = parseIncidents(inc); err != nil {
		return c, fmt.Errorf("conversation %s: %w", c.ID, err)
	}
	if c.Created, err = parseTime(created); err != nil {
		return c, err
	}
	if c.Updated, err = parseTime(updated); err != nil {
		return c, err
	}
	return c, nil
}

func getConversation(ctx context.Context, q querier, id string) (socpilot.Conversation, error) {
	c, err := scanConversation(q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, sqlstore.ConversationNotFound(id)
	}
	if err != nil {
		return c, err
	}
	rows, err := q.QueryContext(ctx, `SELECT role, content, time, tokens FROM turns WHERE conversation_id = ? ORDER BY seq`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	c.Turns = []socpilot.Turn{}
	for rows.Next() {
		var tu socpilot.Turn
		var tm string
		if err := rows.Scan(&tu.Role, &tu.Content, &tm, &tu.Tokens); err != nil {
			return c, err
		}
		if tu.Time, err = parseTime(tm); err != nil {
			return c, err
		}
		c.Turns = append(c.Turns, tu)
	}
	return c, rows.Err()
}

// Conversations lists up to limit conversations (all when limit <= 0), most
// recently changed first, without their turns.
func (s *Store) Conversations(ctx context.Context, limit int) ([]socpilot.Conversation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations ORDER BY touched DESC LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	cs := []socpilot.Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("list conversations: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return cs, nil
}

// sqlLimit maps "no limit" (<= 0) to SQLite's -1.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

// AppendTurns adds turns after the existing ones, in order; zero turn times
// get the current time. Concurrent appends to one conversation all land,
// each batch contiguous.
func (s *Store) AppendTurns(ctx context.Context, id string, turns ...socpilot.Turn) error {
	if len(turns) == 0 {
		// Nothing to add: do not count it as a change, but still tell a
		// caller holding a stale id.
		var one int
		err := s.r.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("append to conversation %s: %w", id, sqlstore.ConversationNotFound(id))
		}
		if err != nil {
			return fmt.Errorf("append to conversation %s: %w", id, err)
		}
		return nil
	}
	t := sqlstore.Now()
	turns = sqlstore.NormTurns(turns, t)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var next int64
		err := tx.QueryRowContext(ctx, `UPDATE conversations SET next_seq = next_seq + ?, updated = ?, touched = `+nextTouch+`
			WHERE id = ? RETURNING next_seq`, len(turns), fmtTime(t), id).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.ConversationNotFound(id)
		}
		if err != nil {
			return err
		}
		return insertTurns(ctx, tx, id, next-int64(len(turns))+1, turns)
	})
	if err != nil {
		return fmt.Errorf("append %d turns to conversation %s: %w", len(turns), id, err)
	}
	return nil
}

// ReplaceHistory compacts a conversation's memory: it sets the summary and
// incidents and keeps only the turns in keep, in that order.
func (s *Store) ReplaceHistory(ctx context.Context, id string, incidents []int, summary string, keep []socpilot.Turn) error {
	t := sqlstore.Now()
	keep = sqlstore.NormTurns(keep, t)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var next int64
		err := tx.QueryRowContext(ctx, `UPDATE conversations SET incidents = ?, summary = ?, next_seq = next_seq + ?, updated = ?, touched = `+nextTouch+`
			WHERE id = ? RETURNING next_seq`, incidentsJSON(incidents), summary, len(keep), fmtTime(t), id).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.ConversationNotFound(id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM turns WHERE conversation_id = ?`, id); err != nil {
			return err
		}
		return insertTurns(ctx, tx, id, next-int64(len(keep))+1, keep)
	})
	if err != nil {
		return fmt.Errorf("replace history of conversation %s: %w", id, err)
	}
	return nil
}

// RecordModelCall appends r to the audit trail; a zero Time gets the current time.
func (s *Store) RecordModelCall(ctx context.Context, r socpilot.AuditRecord) error {
	r = sqlstore.NewAuditRecord(r)
	_, err := s.w.ExecContext(ctx, `INSERT INTO model_calls
		(time, operation, incidents, model, prompt_tokens, completion_tokens, elapsed_ns, request_sha256, outcome)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		fmtTime(r.Time), r.Operation, incidentsJSON(r.Incidents), r.Model, r.PromptTokens, r.CompletionTokens, int64(r.Elapsed), r.RequestSHA256, r.Outcome)
	if err != nil {
		return fmt.Errorf("record %s model call: %w", r.Operation, err)
	}
	return nil
}

// ModelCalls returns up to limit audit records (all when limit <= 0), newest first.
func (s *Store) ModelCalls(ctx context.Context, limit int) ([]socpilot.AuditRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT time, operation, incidents, model, prompt_tokens, completion_tokens, elapsed_ns, request_sha256, outcome
		FROM model_calls ORDER BY time DESC, id DESC LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list model calls: %w", err)
	}
	defer rows.Close()
	out := []socpilot.AuditRecord{}
	for rows.Next() {
		var r socpilot.AuditRecord
		var tm, inc string
		var elapsed int64
		if err := rows.Scan(&tm, &r.Operation, &inc, &r.Model, &r.PromptTokens, &r.CompletionTokens, &elapsed, &r.RequestSHA256, &r.Outcome); err != nil {
			return nil, fmt.Errorf("list model calls: %w", err)
		}
		r.Elapsed = time.Duration(elapsed)
		if r.Time, err = parseTime(tm); err != nil {
			return nil, fmt.Errorf("list model calls: %w", err)
		}
		if r.Incidents, err = parseIncidents(inc); err != nil {
			return nil, fmt.Errorf("list model calls: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list model calls: %w", err)
	}
	return out, nil
}

// RateAnswer keeps an analyst's rating of an answer; rating the same turn
// again replaces the earlier rating.
func (s *Store) RateAnswer(ctx context.Context, r socpilot.Rating) error {
	r, err := sqlstore.NewRating(r)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO ratings (conversation_id, turn, time, incidents, value, model, answer_sha256, rated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id, turn) DO UPDATE SET time = excluded.time, incidents = excluded.incidents,
			value = excluded.value, model = excluded.model, answer_sha256 = excluded.answer_sha256, rated_by = excluded.rated_by`,
		r.ConversationID, r.Turn, fmtTime(r.Time), incidentsJSON(r.Incidents), r.Value, r.Model, r.AnswerSHA256, r.RatedBy)
	if err != nil {
		return fmt.Errorf("rate answer %d of conversation %s: %w", r.Turn, r.ConversationID, err)
	}
	return nil
}

// Ratings returns up to limit ratings (all when limit <= 0), newest first.
func (s *Store) Ratings(ctx context.Context, limit int) ([]socpilot.Rating, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT conversation_id, turn, time, incidents, value, model, answer_sha256, rated_by
		FROM ratings ORDER BY time DESC, conversation_id, turn LIMIT ?`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list ratings: %w", err)
	}
	defer rows.Close()
	out := []socpilot.Rating{}
	for rows.Next() {
		var r socpilot.Rating
		var tm, inc string
		if err := rows.Scan(&r.ConversationID, &r.Turn, &tm, &inc, &r.Value, &r.Model, &r.AnswerSHA256, &r.RatedBy); err != nil {
			return nil, fmt.Errorf("list ratings: %w", err)
		}
		if r.Time, err = parseTime(tm); err != nil {
			return nil, fmt.Errorf("list ratings: %w", err)
		}
		if r.Incidents, err = parseIncidents(inc); err != nil {
			return nil, fmt.Errorf("list ratings: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list ratings: %w", err)
	}
	return out, nil
}

// RecordWrite journals that content with hash contentSHA256 was written to
// the comment or task artifactID of incidentID (an ARM id, compared
// case-insensitively): the audit trail of write-backs (writeback.Journal).
// changed is false when the journal already holds that hash for the
// artifact. Write-back itself decides what to write from the incident's
// current content, not from this journal.
func (s *Store) RecordWrite(ctx context.Context, incidentID, kind, artifactID, contentSHA256 string, at time.Time) (changed bool, err error) {
	w, err := sqlstore.NewWrite(incidentID, kind, artifactID, contentSHA256, at)
	if err != nil {
		return false, err
	}
	// The upsert updates only when the hash differs, and RETURNING yields a
	// row only for an insert or an update: one statement, no read-then-write race.
	rows, err := s.w.QueryContext(ctx, `INSERT INTO writes (incident_key, kind, artifact_id, incident_id, content_sha256, first_at, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (incident_key, kind, artifact_id) DO UPDATE
			SET content_sha256 = excluded.content_sha256, incident_id = excluded.incident_id, at = excluded.at
			WHERE writes.content_sha256 <> excluded.content_sha256
		RETURNING 1`,
		w.IncidentKey, w.Kind, w.ArtifactID, w.IncidentID, w.ContentSHA256, fmtTime(w.At), fmtTime(w.At))
	if err != nil {
		return false, fmt.Errorf("record %s %s write: %w", kind, artifactID, err)
	}
	defer rows.Close()
	changed = rows.Next()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("record %s %s write: %w", kind, artifactID, err)
	}
	if err := rows.Close(); err != nil {
		return false, fmt.Errorf("record %s %s write: %w", kind, artifactID, err)
	}
	return changed, nil
}

// RecordWrites journals several writes of one incident as RecordWrite
// would, in one transaction (writeback.BatchJournal): a write-back's comment
// and tasks cost one commit instead of one each. An entry RecordWrite would
// refuse is skipped; the first error is returned.
func (s *Store) RecordWrites(ctx context.Context, incidentID string, entries []struct {
	Kind, ArtifactID, ContentSHA256 string
	At                              time.Time
}) error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	ws := make([]sqlstore.Write, 0, len(entries))
	for _, e := range entries {
		w, err := sqlstore.NewWrite(incidentID, e.Kind, e.ArtifactID, e.ContentSHA256, e.At)
		if err != nil {
			keep(err)
			continue
		}
		ws = append(ws, w)
	}
	if len(ws) == 0 {
		return first
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record %s %s write: %w", ws[0].Kind, ws[0].ArtifactID, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO writes (incident_key, kind, artifact_id, incident_id, content_sha256, first_at, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (incident_key, kind, artifact_id) DO UPDATE
			SET content_sha256 = excluded.content_sha256, incident_id = excluded.incident_id, at = excluded.at
			WHERE writes.content_sha256 <> excluded.content_sha256`)
	if err != nil {
		return fmt.Errorf("record %s %s write: %w", ws[0].Kind, ws[0].ArtifactID, err)
	}
	defer stmt.Close()
	for _, w := range ws {
		// A failed statement leaves the transaction's other rows in place.
		if _, err := stmt.ExecContext(ctx, w.IncidentKey, w.Kind, w.ArtifactID, w.IncidentID, w.ContentSHA256, fmtTime(w.At), fmtTime(w.At)); err != nil {
			keep(fmt.Errorf("record %s %s write: %w", w.Kind, w.ArtifactID, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record %s %s write: %w", ws[0].Kind, ws[0].ArtifactID, err)
	}
	return first
}

// PutAnalysis caches data (a serialised analysis) under key, replacing any earlier entry.
func (s *Store) PutAnalysis(ctx context.Context, key string, incidentNumber int, data []byte, at time.Time) error {
	a, err := sqlstore.NewAnalysis(key, incidentNumber, data, at)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO analyses (key, incident_number, data, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET incident_number = excluded.incident_number, data = excluded.data, at = excluded.at`,
		a.Key, a.IncidentNumber, a.Data, fmtTime(a.At))
	if err != nil {
		return fmt.Errorf("cache analysis of incident %d: %w", incidentNumber, err)
	}
	return nil
}

// Analysis returns the cached analysis under key; ErrNotFound when absent.
func (s *Store) Analysis(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, `SELECT data FROM analyses WHERE key = ?`, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.AnalysisNotFound(key)
	}
	if err != nil {
		return nil, fmt.Errorf("get cached analysis: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// Watermark is the poller's position for a workspace: the newest
// lastModifiedTime listed and the incident states seen at exactly that
// instant. A zero time means the workspace was never polled.
func (s *Store) Watermark(ctx context.Context, workspaceKey string) (at time.Time, seen []string, err error) {
	var wm, js string
	err = s.r.QueryRowContext(ctx, `SELECT watermark, seen FROM poll_watermarks WHERE workspace_key = ?`, workspaceKey).Scan(&wm, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil, nil
	}
	if err == nil {
		at, err = time.Parse(time.RFC3339Nano, wm)
	}
	if err == nil {
		err = json.Unmarshal([]byte(js), &seen)
	}
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("read the poll watermark of %s: %w", workspaceKey, err)
	}
	return at, seen, nil
}

// SetWatermark moves the poller's position forward; an older position
// (a replica that listed earlier finishing later) never moves it back.
func (s *Store) SetWatermark(ctx context.Context, workspaceKey string, at time.Time, seen []string) error {
	js, err := json.Marshal(append([]string{}, seen...))
	if err != nil {
		return err
	}
	wm := at.UTC().Format(time.RFC3339Nano)
	// RFC 3339 in UTC with nanoseconds does not sort as text (trailing
	// zeros are trimmed), so compare as julian days.
	_, err = s.w.ExecContext(ctx, `INSERT INTO poll_watermarks (workspace_key, watermark, seen, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_key) DO UPDATE SET watermark = excluded.watermark, seen = excluded.seen, updated_at = excluded.updated_at
		WHERE julianday(excluded.watermark) >= julianday(poll_watermarks.watermark)`,
		workspaceKey, wm, string(js), fmtTime(time.Now()))
	if err != nil {
		return fmt.Errorf("save the poll watermark of %s: %w", workspaceKey, err)
	}
	return nil
}

// DB is the store's database connection pool (one connection, the
// writer), for River's SQLite driver: jobs live in the same file.
func (s *Store) DB() *sql.DB { return s.w }
