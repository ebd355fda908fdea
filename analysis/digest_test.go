package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/emulator"
)

// datasets are what the digest is tested on: the embedded demo workspace
// and the small fixture.
func datasets(t testing.TB) map[string]*emulator.Dataset {
	return map[string]*emulator.Dataset{"demo": emulator.Demo(), "fixture": fixture(t)}
}

func allDetails(t testing.TB, ds *emulator.Dataset) []socpilot.IncidentDetails {
	t.Helper()
	c := workspace(t, ds)
	incs, err := c.ListIncidents(context.Background(), socpilot.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []socpilot.IncidentDetails
	for _, i := range incs {
		d, err := c.DetailsOf(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestDigestKeepsEveryIdentifier squeezes every incident into ever smaller
// budgets: whatever the truncation policy drops, entity values, alert names
// and alert ids survive, and the digest says what it dropped.
func TestDigestKeepsEveryIdentifier(t *testing.T) {
	for name, ds := range datasets(t) {
		for _, d := range allDetails(t, ds) {
			for _, budget := range []int{analysis.DefaultDigestTokens, 800, 200, 1} {
				dg := analysis.BuildDigest(d, analysis.DigestOptions{MaxTokens: budget})
				for _, id := range dg.Identifiers {
					if !strings.Contains(dg.Text, id) {
						t.Errorf("%s incident %d, budget %d: identifier %q lost", name, d.Incident.Number, budget, id)
					}
				}
				if budget < dg.Tokens && len(dg.Dropped) == 0 {
					t.Errorf("%s incident %d: over budget %d with nothing dropped", name, d.Incident.Number, budget)
				}
				if len(dg.Dropped) > 0 && !strings.Contains(dg.Text, "TRUNCATED") {
					t.Errorf("%s incident %d: digest does not say what it dropped", name, d.Incident.Number)
				}
			}
			a := analysis.BuildDigest(d, analysis.DigestOptions{})
			b := analysis.BuildDigest(d, analysis.DigestOptions{})
			if a.Text != b.Text {
				t.Errorf("%s incident %d: digest is not deterministic", name, d.Incident.Number)
			}
		}
	}
}

// rawResponses fetches what the original scripts pasted into the prompt: the
// raw JSON of the incident, its alerts, its entities and its comments.
func rawResponses(t testing.TB, srv *emulator.Server, inc socpilot.Incident) string {
	t.Helper()
	hc := srv.HTTPClient()
	var all bytes.Buffer
	for _, p := range []struct{ method, suffix string }{{"GET", ""}, {"POST", "/alerts"}, {"POST", "/entities"}, {"GET", "/comments"}} {
		req, _ := http.NewRequest(p.method, "https://management.azure.com"+inc.ID+p.suffix+"?api-version=2025-09-01", nil)
		req.Header.Set("Authorization", "Bearer demo")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", p.method, p.suffix, resp.StatusCode, b)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		pretty, _ := json.MarshalIndent(v, "", "  ")
		all.Write(pretty)
		all.WriteByte('\n')
	}
	return all.String()
}

// BenchmarkDigestVsRaw compares the digest's tokens with the four raw JSON
// responses the original Logic App pasted into its prompt, over the whole
// demo workspace.
func BenchmarkDigestVsRaw(b *testing.B) {
	srv, err := emulator.New(emulator.Options{Now: func() time.Time { return emulator.DatasetAnchor }})
	if err != nil {
		b.Fatal(err)
	}
	ds := allDetails(b, emulator.Demo())
	var rawTokens, digestTokens int
	for _, d := range ds {
		rawTokens += analysis.CountTokens(rawResponses(b, srv, d.Incident))
		digestTokens += analysis.BuildDigest(d, analysis.DigestOptions{}).Tokens
	}
	b.ResetTimer()
	for b.Loop() {
		for _, d := range ds {
			analysis.BuildDigest(d, analysis.DigestOptions{})
		}
	}
	b.ReportMetric(float64(rawTokens), "raw-tokens")
	b.ReportMetric(float64(digestTokens), "digest-tokens")
	b.ReportMetric(float64(digestTokens)/float64(rawTokens), "digest/raw")
	if testing.Verbose() {
		fmt.Printf("demo workspace, %d incidents: raw JSON %d tokens, digest %d tokens (%.0f%%)\n", len(ds), rawTokens, digestTokens, 100*float64(digestTokens)/float64(rawTokens))
	}
}

// TestEstimateTokensTracksTheTokenizer: the estimate that chat memory uses
// stays near o200k_base's count on real incident text, erring high.
func TestEstimateTokensTracksTheTokenizer(t *testing.T) {
	for _, d := range allDetails(t, emulator.Demo()) {
		text := analysis.BuildDigest(d, analysis.DigestOptions{}).Text
		exact, est := analysis.CountTokens(text), analysis.EstimateTokens(text)
		if est < exact*3/4 || est > exact*3/2 {
			t.Errorf("incident %d: estimate %d, o200k %d", d.Incident.Number, est, exact)
		}
	}
}

// The text the analysis sends is BuildDigest's, at every budget, though it
// counts tokens only when the text has more bytes than the budget has
// tokens: a token is at least one byte.
func TestDigestTextIsBuildDigests(t *testing.T) {
	for name, ds := range datasets(t) {
		for _, d := range allDetails(t, ds) {
			for _, budget := range []int{0, 50, 200, 400, 800, 1500, 3000, 100000} {
				opts := analysis.DigestOptions{MaxTokens: budget}
				full := analysis.BuildDigest(d, opts)
				if got := analysis.DigestText(d, opts); got != full.Text {
					t.Fatalf("%s incident %d, budget %d: digest text differs from BuildDigest's", name, d.Incident.Number, budget)
				}
				if full.Tokens > len(full.Text) {
					t.Fatalf("%s incident %d: %d tokens in %d bytes", name, d.Incident.Number, full.Tokens, len(full.Text))
				}
			}
		}
	}
}
