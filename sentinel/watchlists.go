package sentinel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/owned"
)

// Watchlist describes a Sentinel watchlist (without its items).
type Watchlist struct {
	Alias          string
	DisplayName    string
	ItemsSearchKey string
}

// WatchlistItem is one item of a watchlist: its id and its columns' values
// as text.
type WatchlistItem struct {
	ID     string
	Values map[string]string
}

// Watchlist reads the watchlist with the given alias. An unknown alias is
// an ENotFound error naming it and the workspace's watchlists.
func (c *Client) Watchlist(ctx context.Context, alias string) (Watchlist, error) {
	resp, err := c.watchlists.Get(ctx, c.ws.ResourceGroup, c.ws.Name, alias, nil)
	if err != nil {
		return Watchlist{}, c.watchlistError(ctx, err, alias, "read watchlist "+strconv.Quote(alias))
	}
	w := Watchlist{Alias: alias}
	if p := resp.Properties; p != nil {
		w.DisplayName = deref(p.DisplayName)
		w.ItemsSearchKey = deref(p.ItemsSearchKey)
		if a := deref(p.WatchlistAlias); a != "" {
			w.Alias = a
		}
	}
	return w, nil
}

// WatchlistItems lists the items of the watchlist with the given alias,
// following every nextLink; items the service marks deleted are left out.
// An unknown alias is an ENotFound error naming it and the workspace's
// watchlists. When the list is empty the watchlist itself is read, so that
// an unknown alias is told apart from an empty watchlist whatever the
// service answers for the items of a watchlist that does not exist.
func (c *Client) WatchlistItems(ctx context.Context, alias string) ([]WatchlistItem, error) {
	op := "list the items of watchlist " + strconv.Quote(alias)
	out := []WatchlistItem{}
	pager := c.watchlistItems.NewListPager(c.ws.ResourceGroup, c.ws.Name, alias, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, c.watchlistError(ctx, err, alias, op)
		}
		for _, it := range page.Value {
			if it == nil || it.Properties == nil || deref(it.Properties.IsDeleted) {
				continue
			}
			item := WatchlistItem{ID: deref(it.Name), Values: map[string]string{}}
			if id := deref(it.Properties.WatchlistItemID); id != "" {
				item.ID = id
			}
			if kv, ok := it.Properties.ItemsKeyValue.(map[string]any); ok {
				for k, v := range kv {
					if s, ok := text(v); ok {
						item.Values[k] = s
					}
				}
			}
			out = append(out, item)
		}
	}
	if len(out) == 0 {
		if _, err := c.Watchlist(ctx, alias); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// text renders a watchlist cell: itemsKeyValue is free-form JSON, though
// watchlists uploaded as CSV hold strings.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// watchlistError says precisely that a watchlist is missing, naming the
// alias and the watchlists the workspace has; other failures are wrapped
// as every read's are. A 404 about the workspace itself (subscription,
// resource group or workspace not found) is not about the watchlist.
func (c *Client) watchlistError(ctx context.Context, err error, alias, op string) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || workspaceMissing(re) {
		return c.wrap(err, op, false)
	}
	msg := fmt.Sprintf("watchlist %q not found in workspace %s", alias, c.ws.Name)
	if aliases, lerr := c.watchlistAliases(ctx); lerr == nil {
		if len(aliases) == 0 {
			msg += " (the workspace has no watchlists)"
		} else {
			msg += " (its watchlists: " + strings.Join(aliases, ", ") + ")"
		}
	}
	return &socpilot.Error{Code: socpilot.ENotFound, Message: msg + "; give the watchlist's Alias as Microsoft Sentinel shows it under Watchlists"}
}

func workspaceMissing(re *azcore.ResponseError) bool {
	switch re.ErrorCode {
	case "SubscriptionNotFound", "ResourceGroupNotFound":
		return true
	case "ResourceNotFound", "WorkspaceNotFound":
		return strings.Contains(strings.ToLower(serviceMessage(re)), "microsoft.operationalinsights/workspaces") || re.ErrorCode == "WorkspaceNotFound"
	}
	return false
}

// watchlistAliases lists the workspace's watchlist aliases (at most a few
// pages: it only helps an error message).
func (c *Client) watchlistAliases(ctx context.Context) ([]string, error) {
	var out []string
	pager := c.watchlists.NewListPager(c.ws.ResourceGroup, c.ws.Name, nil)
	for pages := 0; pager.More() && pages < 5; pages++ {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range page.Value {
			if w == nil {
				continue
			}
			a := deref(w.Name)
			if w.Properties != nil && deref(w.Properties.WatchlistAlias) != "" {
				a = deref(w.Properties.WatchlistAlias)
			}
			if a != "" && (w.Properties == nil || !deref(w.Properties.IsDeleted)) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Column names that say what a watchlist column holds, compared without
// case, spaces or punctuation ("IP Address" is ipaddress). A value in such
// a column may list several, separated by commas, semicolons or spaces.
var (
	networkColumns = setOf("ip", "ips", "ipaddress", "ipaddresses", "ipaddr", "iprange", "ipranges", "ipsubnet",
		"ipv4", "ipv6", "ipv4address", "ipv6address", "ipv4range", "ipv6range", "cidr", "cidrs", "subnet", "subnets",
		"range", "ranges", "network", "networks", "networkrange", "addressprefix", "addressrange", "prefix", "prefixes",
		"publicip", "publicips", "egressip", "egressips", "egressrange", "sourceip")
	domainColumns = setOf("domain", "domains", "domainname", "domainnames", "fqdn", "fqdns", "dnsdomain",
		"dnsdomains", "dnsname", "dnssuffix", "emaildomain", "maildomain", "upnsuffix", "website")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func columnKey(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, name)
}

// fileExtensions are last labels that make a value a file name rather than
// a domain when nothing but its form tells (a "Source" column holding
// "estate.csv"); a column named for domains is taken at its word.
var fileExtensions = setOf("csv", "tsv", "txt", "json", "xml", "log", "pdf", "doc", "docx", "xls", "xlsx", "ppt",
	"pptx", "exe", "dll", "sys", "ps1", "psm1", "bat", "cmd", "vbs", "js", "msi", "zip", "rar", "7z", "gz", "tar",
	"iso", "img", "lnk", "jpg", "jpeg", "png", "gif", "htm", "html", "yaml", "yml", "md", "kql", "ini", "cfg", "conf")

// EstateFromWatchlist reads what a watchlist's items say the organisation
// owns. In a column named for networks (IP, IP Address, CIDR, Subnet,
// Range, Network, …) or domains (Domain, DomainName, FQDN, …) every value
// counts, and one that parses as neither is returned in ignored; in any
// other column a whole value counts when its form is unmistakable: an
// address or CIDR, or a domain (two labels or more, no spaces, not a file
// name). Networks wider than a /8 (IPv4) or /16 (IPv6) are ignored: they
// would make much of the internet the organisation's. Organisation names
// are not read from a watchlist — a column such as "ISP" names providers
// the organisation shares with everyone.
func EstateFromWatchlist(items []WatchlistItem) (est socpilot.Estate, ignored []string) {
	seenNet, seenDom := map[string]bool{}, map[string]bool{}
	addNet := func(v string) bool {
		p, err := owned.ParseNetwork(v)
		if err != nil {
			return false
		}
		if !seenNet[p.String()] {
			seenNet[p.String()] = true
			est.Networks = append(est.Networks, p)
		}
		return true
	}
	addDom := func(v string, byForm bool) bool {
		d, err := owned.ParseDomain(strings.TrimPrefix(strings.TrimSpace(v), "@"))
		if err != nil {
			return false
		}
		if byForm && fileExtensions[d[strings.LastIndexByte(d, '.')+1:]] {
			return false
		}
		if !seenDom[d] {
			seenDom[d] = true
			est.Domains = append(est.Domains, d)
		}
		return true
	}
	ignore := func(v, col string, err error) {
		s := fmt.Sprintf("%q (column %q)", v, col)
		if errors.Is(err, owned.ErrTooBroad) {
			s += ": too broad"
		}
		ignored = append(ignored, s)
	}
	for _, it := range items {
		cols := make([]string, 0, len(it.Values))
		for k := range it.Values {
			cols = append(cols, k)
		}
		slices.Sort(cols)
		for _, col := range cols {
			raw := strings.TrimSpace(it.Values[col])
			if raw == "" {
				continue
			}
			key := columnKey(col)
			if networkColumns[key] || domainColumns[key] {
				for _, v := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
					if addNet(v) || addDom(v, false) {
						continue
					}
					_, err := owned.ParseNetwork(v)
					ignore(v, col, err)
				}
				continue
			}
			if _, err := owned.ParseNetwork(raw); errors.Is(err, owned.ErrTooBroad) {
				ignore(raw, col, err)
				continue
			}
			if !addNet(raw) {
				addDom(raw, true)
			}
		}
	}
	return est, ignored
}
