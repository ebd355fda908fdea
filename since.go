package socpilot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseSince reads a past duration as `socpilot incidents --since` and MCP's
// list_incidents take it: a Go duration, optionally after a whole number of
// days (7d, 1d12h, 24h, 90m). Its error names the value; callers say which
// flag or field it was.
func ParseSince(s string) (time.Duration, error) {
	rest := strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a duration (e.g. 24h, 7d, 90m)", s)
	var days time.Duration
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.Atoi(rest[:i])
		if err != nil || strings.TrimLeft(rest[:i], "0123456789") != "" {
			return 0, bad
		}
		days, rest = time.Duration(n)*24*time.Hour, rest[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, bad
		}
	}
	if d+days <= 0 {
		return 0, fmt.Errorf("%q must be positive", s)
	}
	return d + days, nil
}
