package config

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestEstateSettings(t *testing.T) {
	tests := []struct {
		name          string
		file          string
		env           map[string]string
		flags         map[string]string
		want          socpilot.Estate
		wantWatchlist string
		wantOrigin    string // of own-networks
	}{
		{name: "none"},
		{name: "env, IPv4 and IPv6, CIDRs and addresses",
			env: map[string]string{
				"SOCPILOT_OWN_NETWORKS":      " 198.51.100.0/24, 203.0.113.7,2001:db8:100::/48 ; 192.0.2.45/24 198.51.100.0/24",
				"SOCPILOT_OWN_DOMAINS":       "Contoso.com, *.contoso-corp.net.",
				"SOCPILOT_OWN_ORGANISATIONS": "Contoso, Ltd., Fabrikam Inc",
				"SOCPILOT_OWN_WATCHLIST":     "OwnNetworks",
			},
			want: socpilot.Estate{
				Networks:      prefixes("198.51.100.0/24", "203.0.113.7/32", "2001:db8:100::/48", "192.0.2.0/24"),
				Domains:       []string{"contoso.com", "contoso-corp.net"},
				Organisations: []string{"Contoso, Ltd.", "Fabrikam Inc"},
			},
			wantWatchlist: "OwnNetworks", wantOrigin: "env:SOCPILOT_OWN_NETWORKS"},
		{name: "quoted organisation with a comma",
			env:  map[string]string{"SOCPILOT_OWN_ORGANISATIONS": `"Woodgrove Bank, N.A.", Contoso`},
			want: socpilot.Estate{Organisations: []string{"Woodgrove Bank, N.A.", "Contoso"}}},
		{name: "file lists",
			file: "own_networks:\n  - 198.51.100.0/24\n  - 2001:db8::1\nown_domains: [contoso.com, contoso.co.uk]\nown_organisations:\n  - Contoso, Ltd.\n  - AS64500 Contoso\n  - Fabrikam\n  - Inc.\nown_watchlist: Own Estate\n",
			want: socpilot.Estate{
				Networks:      prefixes("198.51.100.0/24", "2001:db8::1/128"),
				Domains:       []string{"contoso.com", "contoso.co.uk"},
				Organisations: []string{"Contoso, Ltd.", "AS64500 Contoso", "Fabrikam, Inc."},
			},
			wantWatchlist: "Own Estate", wantOrigin: "file:"},
		{name: "file comma-separated string",
			file:       "own_networks: 198.51.100.0/24, 203.0.113.0/25\nown_domains: contoso.com\n",
			want:       socpilot.Estate{Networks: prefixes("198.51.100.0/24", "203.0.113.0/25"), Domains: []string{"contoso.com"}},
			wantOrigin: "file:"},
		{name: "empty list leaves it unset",
			file: "own_networks: []\nown_domains:\n", wantOrigin: ""},
		// Precedence: a higher source replaces the whole list.
		{name: "env over file",
			file: "own_networks: [198.51.100.0/24]\n",
			env:  map[string]string{"SOCPILOT_OWN_NETWORKS": "203.0.113.0/24"},
			want: socpilot.Estate{Networks: prefixes("203.0.113.0/24")}, wantOrigin: "env:SOCPILOT_OWN_NETWORKS"},
		{name: "flag over env and file",
			file:  "own_networks: [198.51.100.0/24]\n",
			env:   map[string]string{"SOCPILOT_OWN_NETWORKS": "203.0.113.0/24"},
			flags: map[string]string{"own-networks": "192.0.2.0/24"},
			want:  socpilot.Estate{Networks: prefixes("192.0.2.0/24")}, wantOrigin: "flag:--own-networks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := inDir(t, tt.file)
			c, err := Load(t.Context(), Inputs{Flags: tt.flags, Getenv: envOf(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Estate, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("Estate (-want +got):\n%s", diff)
			}
			if c.OwnWatchlist != tt.wantWatchlist {
				t.Errorf("OwnWatchlist = %q, want %q", c.OwnWatchlist, tt.wantWatchlist)
			}
			wantOrigin := tt.wantOrigin
			if wantOrigin == "file:" {
				wantOrigin += filepath.Join(dir, DefaultFileName)
			}
			if got := c.Origin("own-networks"); got != wantOrigin {
				t.Errorf("Origin(own-networks) = %q, want %q", got, wantOrigin)
			}
		})
	}
}

func TestEstateSettingsShown(t *testing.T) {
	inDir(t, "")
	c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{
		"SOCPILOT_OWN_NETWORKS": "198.51.100.0/24,2001:db8::/48", "SOCPILOT_OWN_DOMAINS": "contoso.com",
		"SOCPILOT_OWN_ORGANISATIONS": "Contoso, Ltd.,Fabrikam Inc", "SOCPILOT_OWN_WATCHLIST": "OwnNetworks",
	})})
	if err != nil {
		t.Fatal(err)
	}
	red := c.Redacted()
	got := map[string]string{}
	for _, k := range []string{"own-networks", "own-domains", "own-organisations", "own-watchlist"} {
		got[k] = red[k]
	}
	want := map[string]string{"own-networks": "198.51.100.0/24, 2001:db8::/48", "own-domains": "contoso.com",
		"own-organisations": "Contoso, Ltd.; Fabrikam Inc", "own-watchlist": "OwnNetworks"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Redacted (-want +got):\n%s", diff)
	}
}

func TestEstateSettingsMalformed(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		flags map[string]string
		want  string
	}{
		{name: "bad address in env", env: map[string]string{"SOCPILOT_OWN_NETWORKS": "198.51.100.0/24,10.0.0.300"},
			want: `SOCPILOT_OWN_NETWORKS: "10.0.0.300" is not a network; expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas`},
		{name: "bad prefix length in flag", flags: map[string]string{"own-networks": "2001:db8::/129"},
			want: `--own-networks: "2001:db8::/129" is not a network; expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas`},
		{name: "too broad", env: map[string]string{"SOCPILOT_OWN_NETWORKS": "0.0.0.0/0"},
			want: `SOCPILOT_OWN_NETWORKS: "0.0.0.0/0" is too broad: it would make a large part of the internet the organisation's (at most a /8 for IPv4, /16 for IPv6); expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas`},
		{name: "bad item in a file list names its line", file: "own_networks:\n  - 198.51.100.0/24\n  - 198.51.100.0/24/8\n",
			want: `socpilot.yaml:3: key "own_networks": "198.51.100.0/24/8" is not a network; expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas`},
		{name: "bad network in a file string", file: "own_networks: 198.51.100.0/24, contoso.com\n",
			want: `socpilot.yaml:1: key "own_networks": "contoso.com" is not a network; expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas`},
		{name: "mapping in a list", file: "own_domains:\n  - name: contoso.com\n",
			want: `socpilot.yaml:2: key "own_domains": expected a list of single values, got a mapping in it`},
		{name: "mapping instead of a list", file: "own_domains:\n  name: contoso.com\n",
			want: `socpilot.yaml:2: key "own_domains": expected a list of values or a comma-separated string, got a mapping`},
		{name: "domain is a URL", env: map[string]string{"SOCPILOT_OWN_DOMAINS": "https://contoso.com"},
			want: `SOCPILOT_OWN_DOMAINS: "https://contoso.com" is not a domain: give the domain alone, such as contoso.com, not a URL or mail address; expected DNS domains such as contoso.com, separated by commas`},
		{name: "bare top-level domain", file: "own_domains: [contoso.com, com]\n",
			want: `socpilot.yaml:1: key "own_domains": "com" is not a domain: expected at least two labels such as contoso.com (a bare top-level domain would make every site under it the organisation's); expected DNS domains such as contoso.com, separated by commas`},
		{name: "company form alone in a file list", file: "own_organisations:\n  - Ltd\n  - Contoso\n",
			want: `socpilot.yaml:2: key "own_organisations": "Ltd" is not an organisation name: a company form alone would match every registrant that has it; give the whole name, such as "Contoso Ltd"; separate several names by commas, and quote a name that has one ("Contoso, Ltd.")`},
		{name: "organisation is a company form alone", env: map[string]string{"SOCPILOT_OWN_ORGANISATIONS": "Ltd"},
			want: `SOCPILOT_OWN_ORGANISATIONS: "Ltd" is not an organisation name: a company form alone would match every registrant that has it; give the whole name, such as "Contoso Ltd"; separate several names by commas, and quote a name that has one ("Contoso, Ltd.")`},
		{name: "watchlist alias with a slash", env: map[string]string{"SOCPILOT_OWN_WATCHLIST": "watchlists/OwnNetworks"},
			want: `SOCPILOT_OWN_WATCHLIST: "watchlists/OwnNetworks" is not a watchlist alias; expected the Alias of a Microsoft Sentinel watchlist (Sentinel → Watchlists), such as OwnNetworks`},
		{name: "malformed file overridden by env is still an error", file: "own_networks: [10.0.0.0/33]\n", env: map[string]string{"SOCPILOT_OWN_NETWORKS": "198.51.100.0/24"},
			want: `socpilot.yaml:1: key "own_networks": "10.0.0.0/33" is not a network; expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, tt.file)
			env := map[string]string{"XDG_CONFIG_HOME": "/nonexistent"}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := Load(t.Context(), Inputs{Flags: tt.flags, Getenv: envOf(env)})
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
			if code := socpilot.ErrorCode(err); code != socpilot.EConfig {
				t.Errorf("code = %s, want %s", code, socpilot.EConfig)
			}
		})
	}
}

// The estate is never read from Key Vault: no own-* secret is asked for.
func TestEstateNotFromVault(t *testing.T) {
	inDir(t, "")
	srv, kv, _ := newVault(t, map[string]string{"own-networks": "198.51.100.0/24"})
	c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}), Secrets: kv})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Estate.Networks) != 0 {
		t.Errorf("Estate.Networks = %v from the vault", c.Estate.Networks)
	}
	for _, s := range settings {
		if strings.HasPrefix(s.key, "own-") && len(s.vault) > 0 {
			t.Errorf("%s has vault names %v", s.key, s.vault)
		}
	}
}
