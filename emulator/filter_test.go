package emulator

import (
	"net/http"
	"testing"
)

func TestParseFilterRoundTrip(t *testing.T) {
	for _, in := range []string{
		"properties/incidentNumber eq 42",
		"properties/severity eq 'High' and properties/status ne 'Closed'",
		"(properties/status eq 'New' or properties/status eq 'Active') and properties/createdTimeUtc ge 2026-01-01T00:00:00Z",
		"properties/title eq 'it''s'",
		"not properties/incidentNumber lt 3",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", in, err)
		}
		again, err := ParseFilter(f.String())
		if err != nil || again.String() != f.String() {
			t.Errorf("ParseFilter(%q).String() = %q does not parse back the same: %v", in, f.String(), err)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"properties/incidentNumber eq 1",
		"properties/severity eq 'High' or (properties/status ne 'Closed' and properties/createdTimeUtc gt 2026-01-01T00:00:00Z)",
		"not (properties/title eq 'a''b')",
		"properties/createdTimeUtc le datetime'2026-01-01T00:00:00Z'",
		"((((", "'", "properties/owner/assignedTo eq null",
	} {
		f.Add(s)
	}
	props := map[string]any{"incidentNumber": 1.0, "severity": "High", "status": "New", "title": "x",
		"createdTimeUtc": "2026-01-01T00:00:00Z", "owner": map[string]any{"assignedTo": nil}}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			return
		}
		flt.Match(props)
		flt.Match(map[string]any{})
		if _, err := ParseFilter(flt.String()); err != nil {
			t.Errorf("%q parsed, but its String %q does not: %v", s, flt.String(), err)
		}
	})
}

// BenchmarkListIncidentsPaged lists the 1,000 incidents of Synthetic(1000, 1)
// by following nextLink with the default page size of 50 (20 requests per
// listing), through the in-process transport.
func BenchmarkListIncidentsPaged(b *testing.B) {
	s, err := New(Options{Dataset: Synthetic(1000, 1), Now: anchorClock})
	if err != nil {
		b.Fatal(err)
	}
	start := armBase + demoBase + "/incidents?api-version=2025-09-01"
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for u := start; u != ""; {
			r := call(b, s, DemoToken, http.MethodGet, u, "", nil)
			if r.Status != http.StatusOK {
				b.Fatalf("status %d", r.Status)
			}
			m := r.json(b)
			n += len(m["value"].([]any))
			u, _ = m["nextLink"].(string)
		}
		if n != 1000 {
			b.Fatalf("listed %d incidents, want 1000", n)
		}
	}
}

// BenchmarkFilterByNumber is the client's lookup of one incident among 1,000.
func BenchmarkFilterByNumber(b *testing.B) {
	s, err := New(Options{Dataset: Synthetic(1000, 1), Now: anchorClock})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := call(b, s, DemoToken, http.MethodGet, "/incidents", "api-version=2025-09-01&$top=1&$filter=properties%2FincidentNumber+eq+1500", nil)
		if r.Status != http.StatusOK {
			b.Fatalf("status %d", r.Status)
		}
	}
}
