package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/sqlstore"
)

// turnColumns splits turns into the column arrays that insertTurnsSQL unnests:
// one statement and one round trip however many turns there are.
func turnColumns(turns []socpilot.Turn) (roles, contents []string, times []time.Time, tokens []int32) {
	for _, tu := range turns {
		roles = append(roles, tu.Role)
		contents = append(contents, tu.Content)
		times = append(times, tu.Time)
		tokens = append(tokens, int32(tu.Tokens))
	}
	return
}

// insertTurnsSQL inserts turns $3.. numbered from $2 upwards into conversation $1.
const insertTurnsSQL = `INSERT INTO turns (conversation_id, seq, role, content, time, tokens)
	SELECT $1, $2 + u.ord - 1, u.role, u.content, u.time, u.tokens
	FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::int[]) WITH ORDINALITY AS u(role, content, time, tokens, ord)`

func insertTurns(ctx context.Context, tx pgx.Tx, id string, firstSeq int64, turns []socpilot.Turn) error {
	if len(turns) == 0 {
		return nil
	}
	roles, contents, times, tokens := turnColumns(turns)
	_, err := tx.Exec(ctx, insertTurnsSQL, id, firstSeq, roles, contents, times, tokens)
	if err != nil {
		return fmt.Errorf("insert %d turns: %w", len(turns), err)
	}
	return nil
}

// CreateConversation stores c with its turns. An empty ID gets a random one;
// zero Created, Updated and turn times get the current time. It returns the
// conversation as stored.
func (s *Store) CreateConversation(ctx context.Context, c socpilot.Conversation) (socpilot.Conversation, error) {
	c = sqlstore.NewConversation(c)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO conversations (id, incidents, summary, created, updated, next_seq, touched)
			VALUES ($1, $2, $3, $4, $5, $6, nextval('conversation_touches')) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.Incidents, c.Summary, c.Created, c.Updated, len(c.Turns))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return socpilot.Errorf(socpilot.EConflict, "conversation %q already exists", c.ID)
		}
		return insertTurns(ctx, tx, c.ID, 1, c.Turns)
	})
	if err != nil {
		return socpilot.Conversation{}, fmt.Errorf("create conversation %s: %w", c.ID, err)
	}
	return c, nil
}

// readTx runs fn in a read-only REPEATABLE READ transaction: one snapshot
// for the conversation row and its turns.
func (s *Store) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// Conversation returns the conversation with its turns in order; ErrNotFound when none has id.
func (s *Store) Conversation(ctx context.Context, id string) (socpilot.Conversation, error) {
	var c socpilot.Conversation
	err := s.readTx(ctx, func(tx pgx.Tx) error {
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
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM conversations ORDER BY touched DESC LIMIT 1`).Scan(&id)
		if isNoRows(err) {
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

func scanConversation(row pgx.Row) (socpilot.Conversation, error) {
	var c socpilot.Conversation
	if err := row.Scan(&c.ID, &c.Incidents, &c.Summary, &c.Created, &c.Updated); err != nil {
		return c, err
	}
	if c.Incidents == nil {
		c.Incidents = []int{}
	}
	c.Created, c.Updated = c.Created.UTC(), c.Updated.UTC()
	return c, nil
}

func getConversation(ctx context.Context, tx pgx.Tx, id string) (socpilot.Conversation, error) {
	c, err := scanConversation(tx.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id))
	if isNoRows(err) {
		return c, sqlstore.ConversationNotFound(id)
	}
	if err != nil {
		return c, err
	}
	rows, err := tx.Query(ctx, `SELECT role, content, time, tokens FROM turns WHERE conversation_id = $1 ORDER BY seq`, id)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	c.Turns = []socpilot.Turn{}
	for rows.Next() {
		var tu socpilot.Turn
		if err := rows.Scan(&tu.Role, &tu.Content, &tu.Time, &tu.Tokens); err != nil {
			return c, err
		}
		tu.Time = tu.Time.UTC()
		c.Turns = append(c.Turns, tu)
	}
	return c, rows.Err()
}

// pgLimit maps "no limit" (<= 0) to NULL, which PostgreSQL's LIMIT reads as ALL.
func pgLimit(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

// Conversations lists up to limit conversations (all when limit <= 0), most
// recently changed first, without their turns.
func (s *Store) Conversations(ctx context.Context, limit int) ([]socpilot.Conversation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+conversationColumns+` FROM conversations ORDER BY touched DESC LIMIT $1`, pgLimit(limit))
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

// AppendTurns adds turns after the existing ones, in order; zero turn times
// get the current time. Concurrent appends to one conversation, from any
// replica, all land, each batch contiguous.
func (s *Store) AppendTurns(ctx context.Context, id string, turns ...socpilot.Turn) error {
	if len(turns) == 0 {
		// Nothing to add: do not count it as a change, but still tell a
		// caller holding a stale id.
		var one int
		err := s.pool.QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = $1`, id).Scan(&one)
		if isNoRows(err) {
			return fmt.Errorf("append to conversation %s: %w", id, sqlstore.ConversationNotFound(id))
		}
		if err != nil {
			return fmt.Errorf("append to conversation %s: %w", id, err)
		}
		return nil
	}
	t := sqlstore.Now()
	turns = sqlstore.NormTurns(turns, t)
	roles, contents, times, tokens := turnColumns(turns)
	// One statement: the UPDATE takes the conversation's row lock and reserves
	// the sequence numbers, the INSERT uses them. No conversation, no rows.
	tag, err := s.pool.Exec(ctx, `WITH c AS (
			UPDATE conversations SET next_seq = next_seq + $6, updated = $7, touched = nextval('conversation_touches')
			WHERE id = $1 RETURNING next_seq - $6 + 1 AS first
		)
		INSERT INTO turns (conversation_id, seq, role, content, time, tokens)
		SELECT $1, c.first + u.ord - 1, u.role, u.content, u.time, u.tokens
		FROM c, unnest($2::text[], $3::text[], $4::timestamptz[], $5::int[]) WITH ORDINALITY AS u(role, content, time, tokens, ord)`,
		id, roles, contents, times, tokens, len(turns), t)
	if err != nil {
		return fmt.Errorf("append %d turns to conversation %s: %w", len(turns), id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("append %d turns to conversation %s: %w", len(turns), id, sqlstore.ConversationNotFound(id))
	}
	return nil
}

// ReplaceHistory compacts a conversation's memory: it sets the summary and
// incidents and keeps only the turns in keep, in that order.
func (s *Store) ReplaceHistory(ctx context.Context, id string, incidents []int, summary string, keep []socpilot.Turn) error {
	t := sqlstore.Now()
	keep = sqlstore.NormTurns(keep, t)
	incidents = sqlstore.Incidents(incidents)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var next int64
		err := tx.QueryRow(ctx, `UPDATE conversations SET incidents = $2, summary = $3, next_seq = next_seq + $4, updated = $5,
				touched = nextval('conversation_touches')
			WHERE id = $1 RETURNING next_seq`, id, incidents, summary, len(keep), t).Scan(&next)
		if isNoRows(err) {
			return sqlstore.ConversationNotFound(id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM turns WHERE conversation_id = $1`, id); err != nil {
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
	_, err := s.pool.Exec(ctx, `INSERT INTO model_calls
		(time, operation, incidents, model, prompt_tokens, completion_tokens, elapsed_ns, request_sha256, outcome)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.Time, r.Operation, r.Incidents, r.Model, r.PromptTokens, r.CompletionTokens,
		int64(r.Elapsed), r.RequestSHA256, r.Outcome)
	if err != nil {
		return fmt.Errorf("record %s model call: %w", r.Operation, err)
	}
	return nil
}

// ModelCalls returns up to limit audit records (all when limit <= 0), newest first.
func (s *Store) ModelCalls(ctx context.Context, limit int) ([]socpilot.AuditRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT time, operation, incidents, model, prompt_tokens, completion_tokens, elapsed_ns, request_sha256, outcome
		FROM model_calls ORDER BY time DESC, id DESC LIMIT $1`, pgLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list model calls: %w", err)
	}
	defer rows.Close()
	out := []socpilot.AuditRecord{}
	for rows.Next() {
		var r socpilot.AuditRecord
		var elapsed int64
		if err := rows.Scan(&r.Time, &r.Operation, &r.Incidents, &r.Model, &r.PromptTokens, &r.CompletionTokens, &elapsed, &r.RequestSHA256, &r.Outcome); err != nil {
			return nil, fmt.Errorf("list model calls: %w", err)
		}
		r.Time = r.Time.UTC()
		r.Elapsed = time.Duration(elapsed)
		if r.Incidents == nil {
			r.Incidents = []int{}
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
	_, err = s.pool.Exec(ctx, `INSERT INTO ratings (conversation_id, turn, time, incidents, value, model, answer_sha256, rated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (conversation_id, turn) DO UPDATE SET time = excluded.time, incidents = excluded.incidents,
			value = excluded.value, model = excluded.model, answer_sha256 = excluded.answer_sha256, rated_by = excluded.rated_by`,
		r.ConversationID, r.Turn, r.Time, r.Incidents, r.Value, r.Model, r.AnswerSHA256, r.RatedBy)
	if err != nil {
		return fmt.Errorf("rate answer %d of conversation %s: %w", r.Turn, r.ConversationID, err)
	}
	return nil
}

// Ratings returns up to limit ratings (all when limit <= 0), newest first.
func (s *Store) Ratings(ctx context.Context, limit int) ([]socpilot.Rating, error) {
	rows, err := s.pool.Query(ctx, `SELECT conversation_id, turn, time, incidents, value, model, answer_sha256, rated_by
		FROM ratings ORDER BY time DESC, conversation_id, turn LIMIT $1`, pgLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list ratings: %w", err)
	}
	defer rows.Close()
	out := []socpilot.Rating{}
	for rows.Next() {
		var r socpilot.Rating
		if err := rows.Scan(&r.ConversationID, &r.Turn, &r.Time, &r.Incidents, &r.Value, &r.Model, &r.AnswerSHA256, &r.RatedBy); err != nil {
			return nil, fmt.Errorf("list ratings: %w", err)
		}
		r.Time = r.Time.UTC()
		if r.Incidents == nil {
			r.Incidents = []int{}
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
	// The upsert updates only when the hash differs and RETURNING yields a row
	// only for an insert or an update. Replicas racing on one artifact
	// serialise on the conflicting key, so exactly one of them sees a change.
	rows, err := s.pool.Query(ctx, `INSERT INTO writes (incident_key, kind, artifact_id, incident_id, content_sha256, first_at, at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (incident_key, kind, artifact_id) DO UPDATE
			SET content_sha256 = excluded.content_sha256, incident_id = excluded.incident_id, at = excluded.at
			WHERE writes.content_sha256 <> excluded.content_sha256
		RETURNING 1`,
		w.IncidentKey, w.Kind, w.ArtifactID, w.IncidentID, w.ContentSHA256, w.At)
	if err != nil {
		return false, fmt.Errorf("record %s %s write: %w", kind, artifactID, err)
	}
	defer rows.Close()
	changed = rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("record %s %s write: %w", kind, artifactID, err)
	}
	return changed, nil
}

// PutAnalysis caches data (a serialised analysis) under key, replacing any earlier entry.
func (s *Store) PutAnalysis(ctx context.Context, key string, incidentNumber int, data []byte, at time.Time) error {
	a, err := sqlstore.NewAnalysis(key, incidentNumber, data, at)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO analyses (key, incident_number, data, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET incident_number = excluded.incident_number, data = excluded.data, at = excluded.at`,
		a.Key, a.IncidentNumber, a.Data, a.At)
	if err != nil {
		return fmt.Errorf("cache analysis of incident %d: %w", incidentNumber, err)
	}
	return nil
}

// Analysis returns the cached analysis under key; ErrNotFound when absent.
func (s *Store) Analysis(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM analyses WHERE key = $1`, key).Scan(&data)
	if isNoRows(err) {
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
	err = s.pool.QueryRow(ctx, `SELECT watermark, seen FROM poll_watermarks WHERE workspace_key = $1`, workspaceKey).Scan(&at, &seen)
	if isNoRows(err) {
		return time.Time{}, nil, nil
	}
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("read the poll watermark of %s: %w", workspaceKey, err)
	}
	return at, seen, nil
}

// SetWatermark moves the poller's position forward; an older position
// (a replica that listed earlier finishing later) never moves it back.
func (s *Store) SetWatermark(ctx context.Context, workspaceKey string, at time.Time, seen []string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO poll_watermarks (workspace_key, watermark, seen, updated_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (workspace_key) DO UPDATE SET watermark = excluded.watermark, seen = excluded.seen, updated_at = excluded.updated_at
		WHERE excluded.watermark >= poll_watermarks.watermark`,
		workspaceKey, at, append([]string{}, seen...))
	if err != nil {
		return fmt.Errorf("save the poll watermark of %s: %w", workspaceKey, err)
	}
	return nil
}

// Pool is the store's connection pool, for River's PostgreSQL driver: jobs
// live in the same database.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
