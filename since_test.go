package socpilot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
)

func TestParseSince(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"24h", 24 * time.Hour, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{" 90m ", 90 * time.Minute, ""},
		{"yesterday", 0, `"yesterday" is not a duration (e.g. 24h, 7d, 90m)`},
		{"+7d", 0, "is not a duration"},
		{"-1d", 0, "is not a duration"},
		{"7dx", 0, "is not a duration"},
		{"0d", 0, `"0d" must be positive`},
		{"-5m", 0, "must be positive"},
		{"", 0, "must be positive"},
	} {
		got, err := socpilot.ParseSince(tc.in)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseSince(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
		}
	}
}
