package owned

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNetwork(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string // substring; "" means success
	}{
		{in: "198.51.100.0/24", want: "198.51.100.0/24"},
		{in: " 203.0.113.7 ", want: "203.0.113.7/32"},
		{in: "198.51.100.7/24", want: "198.51.100.0/24"}, // host bits cleared
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "2001:db8::1", want: "2001:db8::1/128"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1/32"},
		{in: "::ffff:192.0.2.0/120", want: "192.0.2.0/24"},
		{in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{in: "10.0.0.300", wantErr: `"10.0.0.300" is not a network`},
		{in: "10.0.0.0/33", wantErr: "is not a network"},
		{in: "contoso.com", wantErr: "is not a network"},
		{in: "fe80::1%eth0", wantErr: "is not a network"},
		{in: "0.0.0.0/0", wantErr: "too broad"},
		{in: "128.0.0.0/1", wantErr: "too broad"},
		{in: "2000::/3", wantErr: "too broad"},
		{in: "", wantErr: "is not a network"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNetwork(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseNetwork(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "too broad") != errors.Is(err, ErrTooBroad) {
					t.Errorf("errors.Is(err, ErrTooBroad) = %v for %v", errors.Is(err, ErrTooBroad), err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("ParseNetwork(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDomain(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string
	}{
		{in: "contoso.com", want: "contoso.com"},
		{in: " Contoso.COM. ", want: "contoso.com"},
		{in: "*.corp.contoso.com", want: "corp.contoso.com"},
		{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{in: "a-b.co.uk", want: "a-b.co.uk"},
		{in: "com", wantErr: "at least two labels"},
		{in: "https://contoso.com", wantErr: "not a URL or mail address"},
		{in: "it@contoso.com", wantErr: "not a URL or mail address"},
		{in: "192.0.2.1", wantErr: "not a top-level domain"},
		{in: "bücher.example", wantErr: "ASCII (xn--) form"},
		{in: "-bad.example", wantErr: "each label"},
		{in: "two words.com", wantErr: "each label"},
		{in: "a..b", wantErr: "each label"},
		{in: "", wantErr: "is not a domain"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDomain(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDomain(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseOrganisation(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string
	}{
		{in: "Contoso Ltd", want: "Contoso Ltd"},
		{in: "  Contoso   Ltd ", want: "Contoso Ltd"},
		{in: "AS64500 Contoso", want: "AS64500 Contoso"},
		{in: "Ltd.", wantErr: "company form alone"},
		{in: "GmbH", wantErr: "company form alone"},
		{in: "S.A.", wantErr: "not an organisation name"},
		{in: "ab", wantErr: "not an organisation name"},
		{in: "Contoso\nLtd", wantErr: "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOrganisation(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseOrganisation(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseOrganisation(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestJoinLegalSuffixes(t *testing.T) {
	got := JoinLegalSuffixes([]string{"Ltd", "Contoso", " Ltd.", "Fabrikam", "Inc.", "Woodgrove Bank", "GmbH", "Co. KG"})
	// A leading company form has nothing to join: ParseOrganisation refuses it.
	want := []string{"Ltd", "Contoso, Ltd.", "Fabrikam, Inc.", "Woodgrove Bank, GmbH, Co. KG"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JoinLegalSuffixes (-want +got):\n%s", diff)
	}
}

// FuzzParse: what the parsers accept they normalise for good: parsing
// their output again gives it back, and an accepted network is never
// wider than the minimum prefix lengths.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"198.51.100.7/24", "2001:db8::1", "::ffff:192.0.2.1", "0.0.0.0/0", "Contoso.COM.", "*.a.b", "xn--bcher-kva.example", "Contoso, Ltd.", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParseNetwork(s); err == nil {
			if q, err := ParseNetwork(p.String()); err != nil || q != p {
				t.Errorf("ParseNetwork(%q) = %v, which parses to %v, %v", s, p, q, err)
			}
			if p.Addr().Is4() && p.Bits() < MinIPv4Bits || p.Addr().Is6() && p.Bits() < MinIPv6Bits {
				t.Errorf("ParseNetwork(%q) accepted %v", s, p)
			}
		}
		if d, err := ParseDomain(s); err == nil {
			if e, err := ParseDomain(d); err != nil || e != d || strings.ToLower(d) != d {
				t.Errorf("ParseDomain(%q) = %q, which parses to %q, %v", s, d, e, err)
			}
		}
		if o, err := ParseOrganisation(s); err == nil {
			if p, err := ParseOrganisation(o); err != nil || p != o {
				t.Errorf("ParseOrganisation(%q) = %q, which parses to %q, %v", s, o, p, err)
			}
		}
	})
}
