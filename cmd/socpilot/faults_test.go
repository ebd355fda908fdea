package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/sentinel"
)

func TestServiceErrorsReachTheUser(t *testing.T) {
	tests := []struct {
		name  string
		fault emulator.Fault
		args  []string
		want  string
	}{
		{"403 on write names the role", emulator.Fault{Match: "/comments/", Method: http.MethodPut, Status: http.StatusForbidden, Code: "AuthorizationFailed"},
			[]string{"analyze", "101", "--write"}, `grant the signed-in principal the "Microsoft Sentinel Responder" role`},
		{"403 on read names the role", emulator.Fault{Method: http.MethodGet, Status: http.StatusForbidden, Code: "AuthorizationFailed"},
			[]string{"incident", "101"}, `"Microsoft Sentinel Reader" role`},
		{"429 storm", emulator.Fault{Method: http.MethodGet, Status: http.StatusTooManyRequests, RetryAfter: time.Second},
			[]string{"incidents"}, "kept throttling requests (429 SubscriptionRequestsThrottled) after every retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, env := networkWorkspace(t)
			srv.InjectFault(tt.fault)
			code, _, stderr := runCLI(t, env, "", tt.args...)
			if code != exitFailure || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 with %q", code, stderr, tt.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("the error is not one clear line: %q", stderr)
			}
		})
	}
}

// TestWriteResumesAfterAFailure: a write that fails halfway loses nothing
// and a re-run finishes it without duplicating what was already written.
func TestWriteResumesAfterAFailure(t *testing.T) {
	srv, env := networkWorkspace(t)
	srv.InjectFault(emulator.Fault{Match: "/tasks/", Method: http.MethodPut, Status: http.StatusForbidden, Code: "AuthorizationFailed", Times: 1})
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101", "--write")
	if code != exitFailure || !strings.Contains(stderr, "write task") {
		t.Fatalf("first run: exit %d, stderr %q", code, stderr)
	}
	if !regexp.MustCompile(`created\s+comment`).MatchString(stdout) {
		t.Errorf("the first run does not report the comment it wrote before failing:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, env, "", "analyze", "101", "--write")
	if code != exitOK {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`Wrote to incident 101: [1-9]\d* created, 0 updated, 1 unchanged`).MatchString(stdout) {
		t.Errorf("second run did not finish the tasks on top of the unchanged comment:\n%s", stdout)
	}
	c, err := sentinel.New(sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace},
		emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Details(context.Background(), 101)
	if err != nil {
		t.Fatal(err)
	}
	reports, titles := 0, map[string]int{}
	for _, cm := range d.Comments {
		if socpilot.OwnComment(cm) {
			reports++
		}
	}
	for _, tk := range d.Tasks {
		titles[tk.Title]++
	}
	if reports != 1 {
		t.Errorf("%d report comments, want 1", reports)
	}
	for title, n := range titles {
		if n != 1 {
			t.Errorf("task %q written %d times", title, n)
		}
	}
}
