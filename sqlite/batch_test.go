package sqlite_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/sqlite"
	"github.com/socpilot/socpilot/writeback"
)

// The write-back journals a whole write-back in one transaction.
var _ writeback.BatchJournal = (*sqlite.Store)(nil)

// RecordWrites records each entry as RecordWrite would, skipping (and
// reporting) the ones RecordWrite refuses.
func TestRecordWrites(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	sum := func(v string) string { h := sha256.Sum256([]byte(v)); return hex.EncodeToString(h[:]) }
	inc := "/subscriptions/x/Incidents/abc"
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := s.RecordWrites(ctx, inc, []writeback.JournalEntry{
		{Kind: "comment", ArtifactID: "c1", ContentSHA256: sum("a"), At: at},
		{Kind: "task", ArtifactID: "", ContentSHA256: sum("b"), At: at},
		{Kind: "task", ArtifactID: "t1", ContentSHA256: sum("c"), At: at},
	})
	if socpilot.ErrorCode(err) != socpilot.EInvalid {
		t.Errorf("RecordWrites with an entry without artifact id: %v; want code %s", err, socpilot.EInvalid)
	}
	for _, c := range []struct {
		kind, id, sum string
		want          bool
	}{
		{"comment", "c1", sum("a"), false}, {"task", "t1", sum("c"), false}, {"task", "t1", sum("d"), true}, {"task", "t2", sum("c"), true},
	} {
		changed, err := s.RecordWrite(ctx, "/subscriptions/x/incidents/ABC", c.kind, c.id, c.sum, at)
		if err != nil || changed != c.want {
			t.Errorf("RecordWrite(%s %s) after RecordWrites = %v, %v; want %v", c.kind, c.id, changed, err, c.want)
		}
	}
	if err := s.RecordWrites(ctx, inc, nil); err != nil {
		t.Errorf("RecordWrites(nil) = %v", err)
	}
}
