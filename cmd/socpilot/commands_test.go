package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/sentinel"
)

// These tests call run functions directly with fake constructors: what a
// command does with what it is given, without configuration, files or
// servers beyond the one a test sets up.

// testStreams are streams over buffers: stdin reads in.
func testStreams(in string) (streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return streams{in: strings.NewReader(in), out: &out, err: &errb}, &out, &errb
}

// noWorkspace is a Workspace constructor a test expects never to be called.
func noWorkspace(t *testing.T) workspaceFunc {
	return func(context.Context) (incidentBackend, error) {
		t.Error("the workspace was opened, but the command should have stopped before any I/O")
		return nil, errors.New("not opened")
	}
}

// noAnalyzer is an Analyzer constructor a test expects never to be called.
func noAnalyzer(t *testing.T) analyzerFunc {
	return func(context.Context, bool) (*analysis.Analyzer, error) {
		t.Error("the analysis pipeline was wired, but the command should have stopped before")
		return nil, errors.New("not wired")
	}
}

// failingCredential is an Azure credential whose every token request fails with err.
type failingCredential struct{ err error }

func (c failingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, c.err
}

// workspaceWith is a Workspace constructor for the demo incidents, served
// in process, signing in with cred.
func workspaceWith(t *testing.T, cred azcore.TokenCredential) workspaceFunc {
	t.Helper()
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return func(context.Context) (incidentBackend, error) {
		ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
		return sentinel.New(ws, cred, sentinel.Options{Transport: srv.HTTPClient()})
	}
}

// wantUsageError fails the test unless err is the usage error (exit 2)
// saying want.
func wantUsageError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want || exitCode(err) != exitUsage {
		t.Errorf("err = %v (exit %d), want %q (exit %d)", err, exitCode(err), want, exitUsage)
	}
}

func TestRunIncident(t *testing.T) {
	noCredential := &socpilot.Error{Code: socpilot.EUnauthorized, Message: "no Azure credential is available (sign in with `az login`)"}
	signInFailed := &azidentity.AuthenticationFailedError{RawResponse: &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized",
		Body: io.NopCloser(strings.NewReader(`{"error": "invalid_client", "error_description": "AADSTS7000215: invalid client secret (ClientSecretCredential)"}`))}}
	tests := []struct {
		name      string
		number    string
		output    string
		workspace func(t *testing.T) workspaceFunc
		wantErr   string
		wantCode  int
		wantOut   string
	}{
		{name: "bad number is a usage error before any I/O", number: "x", output: "markdown", workspace: noWorkspace,
			wantErr: `incident number must be a positive whole number, got "x"`, wantCode: exitUsage},
		{name: "bad format is a usage error before any I/O", number: "101", output: "yaml", workspace: noWorkspace,
			wantErr: `-o "yaml": expected markdown or json`, wantCode: exitUsage},
		{name: "the workspace constructor's error is the command's", number: "101", output: "markdown",
			workspace: func(*testing.T) workspaceFunc {
				return func(context.Context) (incidentBackend, error) { return nil, noCredential }
			},
			wantErr: "no Azure credential is available (sign in with `az login`)", wantCode: exitFailure},
		{name: "no source of credentials can sign in", number: "101", output: "json",
			workspace: func(t *testing.T) workspaceFunc {
				return workspaceWith(t, failingCredential{azidentity.NewCredentialUnavailableError("DefaultAzureCredential: failed to acquire a token.")})
			},
			wantErr:  "find incident 101: no Azure credential is available (sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET, or use a managed identity)",
			wantCode: exitFailure},
		{name: "a sign-in that failed is not a missing credential", number: "101", output: "json",
			workspace: func(t *testing.T) workspaceFunc { return workspaceWith(t, failingCredential{signInFailed}) },
			wantErr:   "find incident 101: Azure sign-in failed; the credential may have expired (run `az login` again or renew the client secret)",
			wantCode:  exitFailure},
		{name: "markdown", number: "101", output: "markdown",
			workspace: func(t *testing.T) workspaceFunc { return workspaceWith(t, emulator.Credential{}) },
			wantOut:   "# Incident 101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testStreams("")
			err := runIncident(t.Context(), &incidentOptions{IO: io, Workspace: tt.workspace(t), number: tt.number, output: tt.output})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(out.String(), tt.wantOut) {
					t.Errorf("output starts %.40q, want %q", out.String(), tt.wantOut)
				}
				return
			}
			// The sentence the user reads; the service's own words follow it.
			if err == nil || !strings.HasPrefix(oneLine(err), tt.wantErr) || exitCode(err) != tt.wantCode {
				t.Errorf("err = %v (exit %d)\nwant  %s (exit %d)", err, exitCode(err), tt.wantErr, tt.wantCode)
			}
		})
	}
}

func TestRunKQLCheckOnStdin(t *testing.T) {
	tests := []struct {
		name, stdin, output string
		wantOut, wantErr    string
		wantExit            int
	}{
		{name: "a misspelled column fails with its position and a suggestion", stdin: "SigninLogs\n| where TimeGenerated > ago(1d)\n| where UserPrincipalNam == \"x\"\n", output: "text",
			wantOut:  "<stdin>:3:9: error: unknown column 'UserPrincipalNam' (not in SigninLogs at this point of the query) (did you mean 'UserPrincipalName'?)\n",
			wantErr:  "1 queries checked: 1 errors, 0 warnings\n",
			wantExit: exitFailure},
		{name: "a valid query passes", stdin: "SigninLogs | where TimeGenerated > ago(1h) | where ResultType != \"0\" | take 10\n", output: "text",
			wantErr:  "1 queries checked: 0 errors, 0 warnings\n",
			wantExit: exitOK},
		{name: "json", stdin: "SigninLogs | where TimeGenerated > ago(1h) | take 1\n", output: "json",
			wantOut:  `"queries": 1`,
			wantExit: exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, errb := testStreams(tt.stdin)
			o := &kqlCheckOptions{IO: io, args: []string{"-"}, output: tt.output,
				LogsClient: nil} // no --workspace-id: Log Analytics is never asked
			err := runKQLCheck(t.Context(), o)
			code := exitOK
			if err != nil {
				code = exitCode(err)
				var quiet silentFailure
				if !errors.As(err, &quiet) {
					t.Errorf("err %v is not silent: the findings already said what failed", err)
				}
			}
			if code != tt.wantExit {
				t.Errorf("exit %d, want %d (err %v)", code, tt.wantExit, err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
			if tt.wantErr != "" && errb.String() != tt.wantErr {
				t.Errorf("stderr %q, want %q", errb.String(), tt.wantErr)
			}
		})
	}
}

// TestRunAnalyzeChecksBeforeIO: a mistake in the command line stops analyze
// before the workspace is opened or the pipeline wired.
func TestRunAnalyzeChecksBeforeIO(t *testing.T) {
	tests := []struct {
		name string
		o    analyzeOptions
		want string
	}{
		{"related out of range", analyzeOptions{number: "101", output: "markdown", related: -1}, "--related -1 is out of range (0-1000)"},
		{"bad number", analyzeOptions{number: "0", output: "markdown"}, `incident number must be a positive whole number, got "0"`},
		{"bad format", analyzeOptions{number: "101", output: "html"}, `-o "html": expected markdown or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testStreams("")
			o := tt.o
			o.IO, o.Workspace, o.Analyzer = io, noWorkspace(t), noAnalyzer(t)
			wantUsageError(t, runAnalyze(t.Context(), &o), tt.want)
			if out.Len() != 0 {
				t.Errorf("printed %q", out.String())
			}
		})
	}
}

// TestNewAnalyzeCmdFillsOptions: the command line reaches the run function
// as options, with the factory's constructors, and nothing is opened to
// parse it.
func TestNewAnalyzeCmdFillsOptions(t *testing.T) {
	io, _, _ := testStreams("")
	f := newFactory(io, func(string) string { return "" })
	var got *analyzeOptions
	cmd := newAnalyzeCmd(f, func(_ context.Context, o *analyzeOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"107", "-o", "json", "--write", "--offline", "--related", "3"})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	type flags struct {
		Number, Output                  string
		Write, Offline, VerifyKQL, Deps bool
		Related                         int
	}
	want := flags{Number: "107", Output: "json", Write: true, Offline: true, Related: 3, Deps: true}
	gotFlags := flags{Number: got.number, Output: got.output, Write: got.write, Offline: got.offline, VerifyKQL: got.verifyKQL, Related: got.related,
		Deps: got.Workspace != nil && got.Analyzer != nil && got.Store != nil && got.QueryVerifier != nil}
	if diff := cmp.Diff(want, gotFlags); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if f.cfg != nil || f.client != nil || f.st != nil {
		t.Error("parsing the command line built a dependency")
	}
}

// TestRunEvalUsage: eval's argument rules are checked before anything is
// opened.
func TestRunEvalUsage(t *testing.T) {
	tests := []struct {
		name string
		o    evalOptions
		want string
	}{
		{"directory and --closed", evalOptions{args: []string{"dir"}, closed: true, output: "text"}, "eval takes a directory of labelled incident files or --closed, not both"},
		{"--since without --closed", evalOptions{args: []string{"dir"}, sinceGiven: true, since: "30d", output: "text"}, "--since applies to eval --closed only"},
		{"bad --since", evalOptions{closed: true, since: "soon", output: "text"}, `--since "soon" is not a duration (e.g. 24h, 7d, 90m)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _ := testStreams("")
			o := tt.o
			o.IO, o.Workspace, o.Analyzer = io, noWorkspace(t), noAnalyzer(t)
			wantUsageError(t, runEval(t.Context(), &o), tt.want)
		})
	}
}
