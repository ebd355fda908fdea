// Package corpus finds the shared public-data corpora (../shared/corpora
// beside a checkout) for contract tests and benchmarks. On a user's clone
// they are absent and the tests that need them skip.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpora directory, searching upwards from the working
// directory for shared/corpora; "" when there is none.
func Dir() string {
	if d := os.Getenv("SOCPILOT_CORPORA"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "corpora")
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// Need returns the path of rel inside the corpora, skipping tb with a clear
// message when the corpora are not beside this checkout.
func Need(tb testing.TB, rel string) string {
	tb.Helper()
	d := Dir()
	if d == "" {
		tb.Skipf("public corpora not found (expected ../shared/corpora beside the checkout, or SOCPILOT_CORPORA); skipping %s", rel)
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus file %s not present: %v", p, err)
	}
	return p
}
