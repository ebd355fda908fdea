// Package sqlstore holds what the SQLite and PostgreSQL stores share and
// must keep identical: the values they store (defaults, time resolution,
// the case-insensitive incident key), the errors they answer with, migration
// bookkeeping and the grouping of search hits. SQL text, which differs by
// dialect, stays in each store.
package sqlstore

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// NormTime is t in UTC, to the microsecond (PostgreSQL's resolution, and
// what the SQLite store keeps so both return the same times), without a
// monotonic reading: what a method returns equals what a later read returns.
func NormTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// Now is the current time as the stores keep it.
func Now() time.Time { return NormTime(time.Now()) }

// stamp is t as stored; a zero t means now.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		return Now()
	}
	return NormTime(t)
}

// idAlphabet is lower-case base32: ids are easy to type and case-insensitive
// filesystems do not matter.
const idAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// newID returns a random 12-character conversation id (60 bits).
func newID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	for i := range b {
		b[i] = idAlphabet[b[i]&31]
	}
	return string(b[:])
}

// NewConversation is c as CreateConversation stores and returns it: an
// empty ID gets a random one, zero Created, Updated and turn times get the
// current time, and nothing aliases the caller's slices.
func NewConversation(c socpilot.Conversation) socpilot.Conversation {
	t := Now()
	if c.ID == "" {
		c.ID = newID()
	}
	if c.Created.IsZero() {
		c.Created = t
	}
	if c.Updated.IsZero() {
		c.Updated = c.Created
	}
	c.Created, c.Updated = NormTime(c.Created), NormTime(c.Updated)
	c.Incidents = Incidents(c.Incidents)
	c.Turns = NormTurns(c.Turns, t)
	return c
}

// NormTurns copies turns with times normalised; zero times become t.
func NormTurns(turns []socpilot.Turn, t time.Time) []socpilot.Turn {
	out := make([]socpilot.Turn, len(turns))
	for i, tu := range turns {
		if tu.Time.IsZero() {
			tu.Time = t
		}
		tu.Time = NormTime(tu.Time)
		out[i] = tu
	}
	return out
}

// Incidents is a copy of incident numbers to store, never nil: a stored
// list is an empty array, not NULL.
func Incidents(v []int) []int { return append([]int{}, v...) }

// NewAuditRecord is r as RecordModelCall stores it: a zero Time is now.
func NewAuditRecord(r socpilot.AuditRecord) socpilot.AuditRecord {
	r.Time = stamp(r.Time)
	r.Incidents = Incidents(r.Incidents)
	return r
}

// NewRating is r as RateAnswer stores it, or an EInvalid error naming
// what is wrong: ratings come from a browser form.
func NewRating(r socpilot.Rating) (socpilot.Rating, error) {
	switch {
	case r.ConversationID == "":
		return r, socpilot.Errorf(socpilot.EInvalid, "a rating needs a conversation")
	case r.Turn < 0:
		return r, socpilot.Errorf(socpilot.EInvalid, "a rating needs the turn it rates")
	case r.Value != socpilot.RatingUp && r.Value != socpilot.RatingDown:
		return r, socpilot.Errorf(socpilot.EInvalid, "a rating is %q or %q, not %q", socpilot.RatingUp, socpilot.RatingDown, r.Value)
	}
	r.Time = stamp(r.Time)
	r.Incidents = Incidents(r.Incidents)
	return r, nil
}

// Write is one entry of the write-back journal.
type Write struct {
	// IncidentKey is the incident's ARM id lower-cased: ARM answers with
	// both …/incidents and …/Incidents, and ids compare case-insensitively.
	IncidentKey   string
	IncidentID    string
	Kind          string
	ArtifactID    string
	ContentSHA256 string
	At            time.Time
}

// NewWrite checks RecordWrite's arguments and returns the entry to journal;
// a zero at is now.
func NewWrite(incidentID, kind, artifactID, contentSHA256 string, at time.Time) (Write, error) {
	if incidentID == "" || kind == "" || artifactID == "" || contentSHA256 == "" {
		return Write{}, socpilot.Errorf(socpilot.EInvalid, "record write: incident id, kind, artifact id and content hash are all required")
	}
	return Write{IncidentKey: strings.ToLower(incidentID), IncidentID: incidentID, Kind: kind, ArtifactID: artifactID,
		ContentSHA256: contentSHA256, At: stamp(at)}, nil
}

// Analysis is one entry of the analysis cache.
type Analysis struct {
	Key            string
	IncidentNumber int
	Data           []byte // never nil: the column is NOT NULL
	At             time.Time
}

// NewAnalysis checks PutAnalysis's arguments and returns the entry to
// cache; a zero at is now.
func NewAnalysis(key string, incidentNumber int, data []byte, at time.Time) (Analysis, error) {
	if key == "" {
		return Analysis{}, socpilot.Errorf(socpilot.EInvalid, "cache analysis: empty key")
	}
	if data == nil {
		data = []byte{}
	}
	return Analysis{Key: key, IncidentNumber: incidentNumber, Data: data, At: stamp(at)}, nil
}

// ConversationNotFound is the error for a conversation id no store holds.
func ConversationNotFound(id string) error {
	return socpilot.Errorf(socpilot.ENotFound, "conversation %q does not exist: start a new one", id)
}

// NoConversation is LatestConversation's error on an empty store.
func NoConversation() error {
	return socpilot.Errorf(socpilot.ENotFound, "there is no saved conversation yet")
}

// AnalysisNotFound is the error for a cache key with no entry.
func AnalysisNotFound(key string) error {
	return socpilot.Errorf(socpilot.ENotFound, "no cached analysis for %q", key)
}
