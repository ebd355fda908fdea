package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/sqlite"
)

// TestAnalyzeWriteIsJournaled: analyze --write leaves the report comment it
// wrote in the store's write journal (the audit trail serve builds on): the
// journal already holds that comment's content, and not other content.
func TestAnalyzeWriteIsJournaled(t *testing.T) {
	env := demoEnv(t)
	if code, _, stderr := runCLI(t, env, "", "analyze", "101", "--write", "--offline"); code != exitOK {
		t.Fatalf("analyze --write: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, env, "", "incident", "101", "-o", "json")
	if code != exitOK {
		t.Fatalf("incident: exit %d: %s", code, stderr)
	}
	var got struct {
		Incident struct{ ID string }
		Comments []struct{ Name, Message string }
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	var name, message string
	for _, c := range got.Comments {
		if strings.Contains(c.Message, socpilot.ReportMarker) {
			name, message = c.Name, c.Message
		}
	}
	if name == "" {
		t.Fatal("incident 101 has no socpilot report comment after analyze --write")
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(env["SOCPILOT_STATE_DIR"], "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sum := sha256.Sum256([]byte(message))
	changed, err := st.RecordWrite(t.Context(), got.Incident.ID, "comment", name, hex.EncodeToString(sum[:]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if changed {
		t.Error("the write journal does not hold the report comment analyze --write wrote")
	}
	other := sha256.Sum256([]byte(message + " edited"))
	if changed, err := st.RecordWrite(t.Context(), got.Incident.ID, "comment", name, hex.EncodeToString(other[:]), time.Now()); err != nil || !changed {
		t.Errorf("RecordWrite of other content: changed %v, %v; want true", changed, err)
	}
}
