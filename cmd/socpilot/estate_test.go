package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/emulator"
)

// blocks returns the entities of analyze -o json's block-ip steps.
func blocks(t *testing.T, stdout string) []string {
	t.Helper()
	var a struct {
		Checklist []struct {
			Action *struct{ Verb, Entity string } `json:"action"`
		} `json:"checklist"`
	}
	if err := json.Unmarshal([]byte(stdout), &a); err != nil {
		t.Fatalf("analyze -o json: %v\n%s", err, stdout)
	}
	var out []string
	for _, c := range a.Checklist {
		if c.Action != nil && c.Action.Verb == "block-ip" {
			out = append(out, c.Action.Entity)
		}
	}
	return out
}

// watchlistWorkspace serves the demo incidents over loopback with an
// OwnNetworks watchlist, as a real workspace would hold it.
func watchlistWorkspace(t *testing.T) (*emulator.Server, map[string]string) {
	t.Helper()
	return servedWorkspace(t, emulator.Options{Watchlists: []emulator.Watchlist{{
		Alias: "OwnNetworks", ItemsSearchKey: "IP Address",
		Items: []map[string]any{
			{"IP Address": "185.220.100.241", "Site": "London office egress"},
			{"IP Address": "not-an-address", "Site": "typo"},
			{"Domain": "contoso-corp.net", "Site": "intranet"},
		},
	}}})
}

func TestOwnNetworksMalformedIsAUsageError(t *testing.T) {
	env := demoEnv(t)
	env["SOCPILOT_OWN_NETWORKS"] = "198.51.100.0/24, 10.0.0.300"
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101", "--offline")
	if code != exitUsage || !strings.Contains(stderr, `SOCPILOT_OWN_NETWORKS: "10.0.0.300" is not a network`) || stdout != "" {
		t.Errorf("exit %d, stderr %q; want 2 naming SOCPILOT_OWN_NETWORKS and the bad value", code, stderr)
	}
}

// TestOwnNetworksReachTheAnalyst: the setting, as variable or flag, keeps
// the organisation's addresses out of the block steps, and nothing else.
func TestOwnNetworksReachTheAnalyst(t *testing.T) {
	env := demoEnv(t)
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101", "--offline", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before := blocks(t, stdout)
	if !slices.Contains(before, "185.220.101.52") || !slices.Contains(before, "185.220.100.241") {
		t.Fatalf("without own_networks 101 blocks %v; the test needs 185.220.101.52 and 185.220.100.241 among them", before)
	}
	for _, args := range [][]string{
		{"analyze", "101", "--offline", "-o", "json"},
		{"--own-networks", "185.220.101.0/24", "analyze", "101", "--offline", "-o", "json"},
	} {
		env := demoEnv(t)
		if args[0] == "analyze" {
			env["SOCPILOT_OWN_NETWORKS"] = "185.220.101.0/24"
		}
		code, stdout, stderr := runCLI(t, env, "", args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		got := blocks(t, stdout)
		if slices.ContainsFunc(got, func(ip string) bool { return strings.HasPrefix(ip, "185.220.101.") }) || !slices.Contains(got, "185.220.100.241") {
			t.Errorf("%v: blocks %v; want none in 185.220.101.0/24 and 185.220.100.241 still blocked", args, got)
		}
	}
}

func TestOwnWatchlistReadOnceByAnalysingCommands(t *testing.T) {
	srv, env := watchlistWorkspace(t)
	env["SOCPILOT_OWN_WATCHLIST"] = "OwnNetworks"
	watchlistReads := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if strings.Contains(strings.ToLower(r.Path), "/watchlists/") {
				n++
			}
		}
		return n
	}
	// A command that does not analyse never reads it.
	if code, _, stderr := runCLI(t, env, "", "incidents"); code != exitOK || watchlistReads() != 0 {
		t.Fatalf("incidents: exit %d, %d watchlist reads: %s", code, watchlistReads(), stderr)
	}
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101", "--offline", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := blocks(t, stdout); slices.Contains(got, "185.220.100.241") || !slices.Contains(got, "185.220.101.52") {
		t.Errorf("blocks %v; want the watchlist's 185.220.100.241 spared and 185.220.101.52 blocked", got)
	}
	if n := watchlistReads(); n != 1 {
		t.Errorf("%d watchlist requests for one analyze, want 1", n)
	}
	if !strings.Contains(stderr, `watchlist "OwnNetworks": ignored 1 value(s)`) || !strings.Contains(stderr, "not-an-address") {
		t.Errorf("the ignored watchlist value is not reported: %q", stderr)
	}
	for _, r := range srv.Requests() {
		if r.Unimplemented {
			t.Errorf("unimplemented request %+v", r)
		}
	}
}

func TestOwnWatchlistMissingStopsAnalysis(t *testing.T) {
	_, env := watchlistWorkspace(t)
	env["SOCPILOT_OWN_WATCHLIST"] = "OwnNetwork"
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101", "--offline")
	want := `socpilot: cannot read the organisation's estate from watchlist "OwnNetwork" (set by SOCPILOT_OWN_WATCHLIST): watchlist "OwnNetwork" not found in workspace demo-workspace (its watchlists: OwnNetworks); give the watchlist's Alias as Microsoft Sentinel shows it under Watchlists; or unset SOCPILOT_OWN_WATCHLIST to analyse without it`
	if code != exitFailure || strings.TrimSpace(stderr) != want || stdout != "" {
		t.Errorf("exit %d\nstderr %s\nwant   %s", code, strings.TrimSpace(stderr), want)
	}
}

func TestDoctorReportsTheEstate(t *testing.T) {
	_, env := watchlistWorkspace(t)
	env["SOCPILOT_OWN_NETWORKS"] = "198.51.100.0/24"
	env["SOCPILOT_OWN_DOMAINS"] = "contoso.com,contoso.net"
	env["SOCPILOT_OWN_WATCHLIST"] = "OwnNetworks"
	code, stdout, stderr := runCLI(t, env, "", "doctor")
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, re := range []string{
		`ok\s+own estate\s+1 network\(s\), 2 domain\(s\), 0 organisation name\(s\) from settings; watchlist "OwnNetworks" readable: 3 item\(s\) give 1 network\(s\) and 1 domain\(s\) \(1 value\(s\) ignored`,
		`own-networks\s+198.51.100.0/24\s+env:SOCPILOT_OWN_NETWORKS`,
		`own-watchlist\s+OwnNetworks\s+env:SOCPILOT_OWN_WATCHLIST`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("doctor output lacks %s:\n%s", re, stdout)
		}
	}

	env["SOCPILOT_OWN_WATCHLIST"] = "Nope"
	code, stdout, _ = runCLI(t, env, "", "doctor")
	if code != exitFailure || !regexp.MustCompile(`FAILED\s+own estate\s+.*watchlist "Nope" not found`).MatchString(stdout) ||
		!strings.Contains(stdout, "fix: set SOCPILOT_OWN_WATCHLIST to the Alias of a watchlist") {
		t.Errorf("doctor with a missing watchlist: exit %d\n%s", code, stdout)
	}
}
