package sentinel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/internal/corpus"
	"github.com/socpilot/socpilot/sentinel"
)

func estateList(n int) emulator.Watchlist {
	w := emulator.Watchlist{Alias: "OwnNetworks", ItemsSearchKey: "IP Address"}
	for i := range n {
		w.Items = append(w.Items, map[string]any{"IP Address": fmt.Sprintf("198.51.100.%d", i), "Site": fmt.Sprintf("office %d", i)})
	}
	return w
}

func TestWatchlistItemsFollowsNextLink(t *testing.T) {
	c, srv := newClient(t, emulator.Options{PageSize: 2, Watchlists: []emulator.Watchlist{estateList(5)}}, emulator.TokenReader)
	items, err := c.WatchlistItems(context.Background(), "OwnNetworks")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Values["IP Address"]+" "+it.Values["Site"])
		if it.ID == "" {
			t.Errorf("item without an id: %+v", it)
		}
	}
	want := []string{"198.51.100.0 office 0", "198.51.100.1 office 1", "198.51.100.2 office 2", "198.51.100.3 office 3", "198.51.100.4 office 4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Errorf("%d requests for 5 items in pages of 2, want 3: %+v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.Unimplemented || r.Method != http.MethodGet || !strings.HasSuffix(r.Path, "/watchlists/OwnNetworks/watchlistItems") || !strings.Contains(r.Query, "api-version=") {
			t.Errorf("request %+v", r)
		}
	}
}

func TestWatchlistNotFound(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t, emulator.Options{Watchlists: []emulator.Watchlist{estateList(1), {Alias: "HighValueAssets"}}}, "")
	_, err := c.WatchlistItems(ctx, "OwnNetwork")
	want := `watchlist "OwnNetwork" not found in workspace demo-workspace (its watchlists: HighValueAssets, OwnNetworks); give the watchlist's Alias as Microsoft Sentinel shows it under Watchlists`
	if errMsg(err) != want || socpilot.ErrorCode(err) != socpilot.ENotFound {
		t.Errorf("unknown alias: %v (code %s)\nwant %s", err, socpilot.ErrorCode(err), want)
	}

	// An empty watchlist is no error.
	items, err := c.WatchlistItems(ctx, "HighValueAssets")
	if err != nil || len(items) != 0 {
		t.Errorf("empty watchlist: %v, %v", items, err)
	}

	// A service that answers an unknown watchlist's items with an empty list
	// still gets the precise error: the watchlist itself is read.
	c2, srv := newClient(t, emulator.Options{}, "")
	srv.InjectFault(emulator.Fault{Match: "/watchlistItems", Status: http.StatusOK})
	if _, err := c2.WatchlistItems(ctx, "OwnNetworks"); socpilot.ErrorCode(err) != socpilot.ENotFound || !strings.Contains(errMsg(err), `watchlist "OwnNetworks" not found`) || !strings.Contains(errMsg(err), "the workspace has no watchlists") {
		t.Errorf("unknown alias on an empty workspace: %v", err)
	}

	// A missing workspace is not reported as a missing watchlist.
	other, err := sentinel.New(sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: "other-ws"},
		emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient(), Retry: policy.RetryOptions{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.WatchlistItems(ctx, "OwnNetworks"); socpilot.ErrorCode(err) != socpilot.ENotFound || strings.Contains(errMsg(err), "watchlist \"OwnNetworks\" not found") || !strings.Contains(errMsg(err), "workspace name") {
		t.Errorf("missing workspace: %v", err)
	}
}

func TestWatchlistMetadata(t *testing.T) {
	c, _ := newClient(t, emulator.Options{Watchlists: []emulator.Watchlist{{Alias: "OwnNetworks", DisplayName: "Contoso networks", ItemsSearchKey: "Network"}}}, "")
	got, err := c.Watchlist(context.Background(), "ownnetworks")
	if err != nil {
		t.Fatal(err)
	}
	if want := (sentinel.Watchlist{Alias: "OwnNetworks", DisplayName: "Contoso networks", ItemsSearchKey: "Network"}); got != want {
		t.Errorf("Watchlist = %+v, want %+v", got, want)
	}
}

func TestEstateFromWatchlist(t *testing.T) {
	item := func(kv ...string) sentinel.WatchlistItem {
		it := sentinel.WatchlistItem{Values: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			it.Values[kv[i]] = kv[i+1]
		}
		return it
	}
	tests := []struct {
		name        string
		items       []sentinel.WatchlistItem
		networks    []string
		domains     []string
		wantIgnored []string
	}{
		{name: "named columns, any case and spacing",
			items: []sentinel.WatchlistItem{
				item("IP Address", "198.51.100.7", "Domain", "Contoso.com"),
				item("ip_address", "2001:db8::/48", "FQDN", "mail.contoso.net"),
				item("CIDR", "203.0.113.0/25; 192.0.2.0/26", "DomainName", "@contoso.org"),
				item("subnet", "10.20.0.0/16", "DNS Domain", "*.contoso.io"),
			},
			networks: []string{"198.51.100.7/32", "2001:db8::/48", "203.0.113.0/25", "192.0.2.0/26", "10.20.0.0/16"},
			domains:  []string{"contoso.com", "mail.contoso.net", "contoso.org", "contoso.io"}},
		{name: "other columns by their form",
			items: []sentinel.WatchlistItem{
				item("Egress", "198.51.100.0/24", "Site", "London office", "Owner", "it@contoso.com"),
				item("Value", "contoso.com", "Source", "estate.csv", "Version", "1.2.3"),
				item("Header-1", "v1_1", "Notes", "blocked evil.example last year"),
			},
			networks: []string{"198.51.100.0/24"},
			domains:  []string{"contoso.com"}},
		{name: "bad values in named columns are reported, too broad ranges dropped",
			items: []sentinel.WatchlistItem{
				item("Network", "0.0.0.0/0", "Domain", "com"),
				item("IP", "10.0.0.300", "Range", "198.51.100.0/24"),
				item("Anything", "::/0"),
			},
			networks:    []string{"198.51.100.0/24"},
			wantIgnored: []string{`"com" (column "Domain")`, `"0.0.0.0/0" (column "Network"): too broad`, `"10.0.0.300" (column "IP")`, `"::/0" (column "Anything"): too broad`}},
		{name: "duplicates once",
			items:    []sentinel.WatchlistItem{item("IP", "198.51.100.0/24"), item("Subnet", "198.51.100.5/24"), item("Domain", "contoso.com, CONTOSO.com.")},
			networks: []string{"198.51.100.0/24"}, domains: []string{"contoso.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			est, ignored := sentinel.EstateFromWatchlist(tt.items)
			var nets []string
			for _, p := range est.Networks {
				nets = append(nets, p.String())
			}
			if diff := cmp.Diff(tt.networks, nets); diff != "" {
				t.Errorf("networks (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.domains, est.Domains); diff != "" {
				t.Errorf("domains (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantIgnored, ignored); diff != "" {
				t.Errorf("ignored (-want +got):\n%s", diff)
			}
			if len(est.Organisations) != 0 {
				t.Errorf("organisations read from a watchlist: %v", est.Organisations)
			}
		})
	}
	// The estate the watchlist gives is one the analyst can use.
	est, _ := sentinel.EstateFromWatchlist([]sentinel.WatchlistItem{item("IP", "198.51.100.0/24", "Domain", "contoso.com")})
	if !est.OwnsIP("198.51.100.23") || est.OwnsIP("185.220.101.52") || !est.OwnsDomain("login.contoso.com") {
		t.Errorf("estate %+v does not own what it lists", est)
	}
}

// exampleTransport answers every request with one example body, as the
// service would: the contract test reads the service's own JSON through
// the SDK pager and socpilot's conversion.
type exampleTransport struct{ body []byte }

func (e exampleTransport) Do(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body: io.NopCloser(bytes.NewReader(e.body)), Request: r}, nil
}

// watchlistExample returns the 200 body of a watchlist example: the shared
// corpus's when it has watchlist examples, else the emulator's testdata
// (the same shape; see emulator/testdata/watchlists/README.md).
func watchlistExample(t *testing.T, file string) []byte {
	t.Helper()
	p := filepath.Join("..", "emulator", "testdata", "watchlists", file)
	if d := corpus.Dir(); d != "" {
		if c := filepath.Join(d, "sentinel-api", "stable", "2025-09-01", "examples", "watchlists", file); fileExists(c) {
			p = c
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return ex.Responses["200"].Body
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestContractWatchlistItems(t *testing.T) {
	body := watchlistExample(t, "GetWatchlistItems.json")
	c, err := sentinel.New(demoWS, emulator.Credential{}, sentinel.Options{Transport: exampleTransport{body}, Retry: policy.RetryOptions{MaxRetries: -1, TryTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	items, err := c.WatchlistItems(context.Background(), "OwnNetworks")
	if err != nil {
		t.Fatal(err)
	}
	// What the example holds, read independently of the client.
	var page struct {
		Value []struct {
			Name       string `json:"name"`
			Properties struct {
				WatchlistItemID string         `json:"watchlistItemId"`
				ItemsKeyValue   map[string]any `json:"itemsKeyValue"`
			} `json:"properties"`
		} `json:"value"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	var want []sentinel.WatchlistItem
	for _, v := range page.Value {
		it := sentinel.WatchlistItem{ID: v.Properties.WatchlistItemID, Values: map[string]string{}}
		for k, x := range v.Properties.ItemsKeyValue {
			it.Values[k] = fmt.Sprint(x)
		}
		want = append(want, it)
	}
	if len(want) == 0 {
		t.Fatal("the example has no items")
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}
