package config

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/owned"
)

// The own_* settings say what the organisation owns. They are lists: in a
// flag, a variable or a file string the values are separated by commas
// (networks and domains also by spaces or semicolons, which neither can
// contain); in socpilot.yaml they may also be a YAML list. Each value is
// checked on its own, and a bad one is named in the message. Internally a
// list is kept as its normalised values joined by newlines, which no value
// contains.

// listSep separates the normalised values of a list setting.
const listSep = "\n"

// splitList splits a flag, variable or file string into values. An
// organisation name may contain a comma: quote it ("Contoso, Ltd.") as in
// CSV, or leave it: a company form after a comma is joined back. The serve
// policy's lists are separated by commas only, so a tactic may be written
// "Initial Access"; its title patterns by ";;" (see patternSep).
func splitList(k kind, raw string) []string {
	switch k {
	case kPatterns:
		return strings.Split(raw, patternSep)
	case kStatuses, kProducts, kTactics, kLabels, kWrite:
		return strings.Split(raw, ",")
	}
	if k != kOrganisations {
		return strings.FieldsFunc(raw, func(r rune) bool {
			return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
		})
	}
	r := csv.NewReader(strings.NewReader(raw))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	var out []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A stray quote inside a name: fall back to plain commas.
			out = strings.Split(raw, ",")
			break
		}
		out = append(out, rec...)
	}
	return owned.JoinLegalSuffixes(out)
}

// normaliseList checks each value of a list setting and returns them
// normalised, deduplicated, joined by listSep; or a problem naming the
// first bad value and what is expected. An empty list is "".
func normaliseList(s setting, items []string) (string, string) {
	var out []string
	for _, it := range items {
		if strings.TrimSpace(it) == "" {
			continue
		}
		v, problem := normaliseItem(s.kind, it)
		if problem != "" {
			return "", problem
		}
		same := strings.EqualFold
		if s.kind == kPatterns {
			// (?i)a and a are different patterns; so are A and a.
			same = func(a, b string) bool { return a == b }
		}
		if !slices.ContainsFunc(out, func(o string) bool { return same(o, v) }) {
			out = append(out, v)
		}
	}
	return strings.Join(out, listSep), ""
}

// normaliseItem checks one value of a list setting.
func normaliseItem(k kind, raw string) (string, string) {
	switch k {
	case kNetworks:
		p, err := owned.ParseNetwork(raw)
		if err != nil {
			return "", err.Error() + "; expected CIDRs or addresses such as 198.51.100.0/24, 203.0.113.7 or 2001:db8::/48, separated by commas"
		}
		return p.String(), ""
	case kDomains:
		d, err := owned.ParseDomain(raw)
		if err != nil {
			return "", err.Error() + "; expected DNS domains such as contoso.com, separated by commas"
		}
		return d, ""
	case kOrganisations:
		o, err := owned.ParseOrganisation(raw)
		if err != nil {
			return "", err.Error() + "; separate several names by commas, and quote a name that has one (\"Contoso, Ltd.\")"
		}
		return o, ""
	case kStatuses, kProducts, kTactics, kLabels, kPatterns, kWrite:
		return normaliseServeItem(k, raw)
	}
	return raw, ""
}

// isWatchlistAlias refuses only what cannot be a path segment of the
// watchlist's URL; Sentinel itself says whether the alias exists. It is
// ^[^/\\?#%\x00-\x1f\x7f]{1,256}$ as a loop: compiled, that expression is
// 256 copies of its class, built at the start of every command.
func isWatchlistAlias(s string) bool {
	n := 0
	for _, r := range s {
		if n++; n > 256 || r < 0x20 || r == 0x7f || strings.ContainsRune(`/\?#%`, r) {
			return false
		}
	}
	return n > 0
}

func normaliseWatchlist(raw string) (string, string) {
	if !isWatchlistAlias(raw) {
		return "", strconv.Quote(raw) + " is not a watchlist alias; expected the Alias of a Microsoft Sentinel watchlist (Sentinel → Watchlists), such as OwnNetworks"
	}
	return raw, ""
}

// estateOf builds the Estate from the normalised list values; put has
// checked them, so they parse.
func estateOf(networks, domains, organisations string) socpilot.Estate {
	var e socpilot.Estate
	for _, n := range splitNorm(networks) {
		if p, err := owned.ParseNetwork(n); err == nil {
			e.Networks = append(e.Networks, p)
		}
	}
	e.Domains = splitNorm(domains)
	e.Organisations = splitNorm(organisations)
	return e
}

func splitNorm(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, listSep)
}
