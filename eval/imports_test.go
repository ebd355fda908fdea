package eval

import (
	"os/exec"
	"strings"
	"testing"
)

// eval scores what any analyst wrote: it imports only the root package and
// the standard library, so the CLI, a test or a CI job can feed it.
func TestImportsOnlyTheRootPackage(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if imp != "github.com/socpilot/socpilot" && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			t.Errorf("eval imports %s: only the root package and the standard library", imp)
		}
	}
}
