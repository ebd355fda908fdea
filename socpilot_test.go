package socpilot_test

import (
	"testing"
	"time"

	"github.com/socpilot/socpilot"
)

func TestCommentText(t *testing.T) {
	tests := map[string]string{
		"plain":                               "plain",
		"<p>Reset <b>done</b></p>":            " Reset  done  ",
		"a &lt;script&gt; &amp; it&#39;s":     "a <script> & it's",
		"<a href=\"x\">link</a><br>next line": " link  next line",
	}
	for in, want := range tests {
		if got := (socpilot.Comment{Message: in}).Text(); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAlertTime(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	gen := start.Add(time.Minute)
	if got := (socpilot.Alert{StartTime: start, TimeGenerated: gen}).Time(); !got.Equal(start) {
		t.Errorf("with a start time: %v", got)
	}
	if got := (socpilot.Alert{TimeGenerated: gen}).Time(); !got.Equal(gen) {
		t.Errorf("without a start time: %v", got)
	}
}
