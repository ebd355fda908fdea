// Package emulator is a wire-faithful emulator of the Microsoft Sentinel
// (Microsoft.SecurityInsights) incidents REST API. It is an http.Handler:
// socpilot serves its built-in demo workspace from it in process (see
// HTTPClient), `socpilot emulator --listen` serves it over the network, and
// every Sentinel test uses it as its test double.
//
// It answers like Azure Resource Manager does: api-version and bearer token
// checks, ARM error bodies {"error":{"code","message"}}, case-insensitive
// paths and ids, nextLink paging, etags in request bodies, 429 with
// Retry-After. Any request it does not implement answers 404 or 405 with an
// ARM error and is flagged in Requests, so tests notice unimplemented calls.
package emulator

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// The demo workspace's coordinates; dataset files use them in their ARM ids.
const (
	DemoSubscription  = "00000000-0000-0000-0000-000000000000"
	DemoResourceGroup = "socpilot-demo"
	DemoWorkspace     = "demo-workspace"
)

// DatasetAnchor is the instant the timestamps of dataset files are written
// against; seeding shifts them so that the data looks recent.
var DatasetAnchor = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// DefaultPageSize is how many incidents a list page holds when the request
// has no $top and Options.PageSize is 0. Sentinel pages incidents by 50.
const DefaultPageSize = 50

// Tokens with a special meaning to the emulator. Any other non-empty bearer
// token is a principal with the Microsoft Sentinel Contributor role.
const (
	// TokenExpired answers 401 ExpiredAuthenticationToken.
	TokenExpired = "expired"
	// TokenReader may read but every write answers 403 AuthorizationFailed.
	TokenReader = "reader"
	// DemoToken is what Credential returns by default.
	DemoToken = "demo"
)

// Options configure a Server. The zero value serves the demo workspace from
// memory.
type Options struct {
	// Subscription, ResourceGroup and Workspace name the one workspace served;
	// zero values take the demo ones.
	Subscription, ResourceGroup, Workspace string
	// StateDir, when set, keeps the state as JSON in StateDir, rewritten
	// atomically after every successful mutation and loaded by New when
	// present (else seeded from Dataset). "" keeps state in memory only.
	StateDir string
	// Dataset seeds the state; nil means Demo().
	Dataset *Dataset
	// Now is the clock for timestamps, seeding and throttling; nil means time.Now.
	Now func() time.Time
	// PageSize is the incident list page size without $top, and the page
	// size of watchlist lists; 0 means DefaultPageSize.
	PageSize int
	// Throttle enables ARM's token-bucket throttling model per principal:
	// reads 250 refilling 25/s, writes 200 refilling 10/s (clock: Now).
	Throttle bool
	// Watchlists are the Sentinel watchlists served, in memory only (see
	// Watchlist); more can be PUT through the API.
	Watchlists []Watchlist
}

// StateFile is the file name of the persisted state inside Options.StateDir.
const StateFile = "sentinel-emulator.json"

// Server emulates one Sentinel workspace. Its methods are safe for
// concurrent use.
type Server struct {
	opts    Options
	dataset *Dataset
	prefix  string // ARM id of the workspace, /subscriptions/.../workspaces/{ws}

	mu   sync.RWMutex // guards st, disk
	st   *state
	disk stamp // the state file's version st was read from or written as

	fmu      sync.Mutex // guards faults, buckets
	faults   []*Fault
	buckets  map[string]*bucket
	lmu      sync.Mutex // guards requests, reqSeq
	requests []Request
	reqSeq   uint64

	wl watchlists // its own lock; see watchlists.go
}

// New returns a Server for opts, loading persisted state from opts.StateDir
// when present and seeding it from the dataset otherwise.
func New(opts Options) (*Server, error) {
	if opts.Subscription == "" {
		opts.Subscription = DemoSubscription
	}
	if opts.ResourceGroup == "" {
		opts.ResourceGroup = DemoResourceGroup
	}
	if opts.Workspace == "" {
		opts.Workspace = DemoWorkspace
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	s := &Server{opts: opts, dataset: opts.Dataset, buckets: map[string]*bucket{}}
	if s.dataset == nil {
		s.dataset = Demo()
	}
	s.prefix = workspacePrefix(opts.Subscription, opts.ResourceGroup, opts.Workspace)
	if err := s.seedWatchlists(); err != nil {
		return nil, err
	}
	if opts.StateDir != "" {
		st, err := loadState(filepath.Join(opts.StateDir, StateFile))
		switch {
		case err == nil:
			st.rebase(opts.Subscription, opts.ResourceGroup, opts.Workspace)
			s.st = st
			if fi, err := os.Stat(filepath.Join(opts.StateDir, StateFile)); err == nil {
				s.disk = fileStamp(fi)
			}
			return s, nil
		case !os.IsNotExist(err):
			return nil, fmt.Errorf("load emulator state from %s: %w", opts.StateDir, err)
		}
	}
	if err := s.Reset(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset restores the state to the dataset (the demo reset), persisting it
// when a StateDir is set.
func (s *Server) Reset() error {
	st := seedState(s.dataset, s.opts)
	setProviderIncidentIDs(st)
	release, err := s.lockWrite()
	if err != nil {
		return err
	}
	defer release()
	s.st = st
	return s.persistLocked()
}

// Replace swaps the served incidents for ds (`socpilot demo load`), seeded
// as the dataset is (ids rewritten, timestamps shifted), and persists them
// when a StateDir is set. Reset still restores Options.Dataset. The state
// is replaced whole or not at all: on a failure to persist, the previous
// incidents stay served.
func (s *Server) Replace(ds *Dataset) error {
	if ds == nil {
		return fmt.Errorf("replace the incidents: no dataset")
	}
	st := seedState(ds, s.opts)
	setProviderIncidentIDs(st)
	release, err := s.lockWrite()
	if err != nil {
		return err
	}
	defer release()
	old := s.st
	s.st = st
	if err := s.persistLocked(); err != nil {
		s.st = old
		return err
	}
	return nil
}

// Workspace returns the subscription, resource group and workspace the
// Server answers for.
func (s *Server) Workspace() (subscription, resourceGroup, workspace string) {
	return s.opts.Subscription, s.opts.ResourceGroup, s.opts.Workspace
}

// WorkspaceID is the ARM id of the served workspace.
func (s *Server) WorkspaceID() string { return s.prefix }

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

// HTTPClient returns a client whose transport hands each request to the
// Server in process, without a socket. azcore accepts an *http.Client as a
// policy.Transporter.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: roundTripper{s}}
}

type roundTripper struct{ s *Server }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	req := r.Clone(r.Context())
	req.RequestURI = r.URL.RequestURI()
	if req.Host == "" {
		req.Host = r.URL.Host
	}
	if req.Body == nil {
		req.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	rt.s.ServeHTTP(rec, req)
	if err := r.Context().Err(); err != nil {
		// The handler gave up (e.g. during injected latency): report it as a
		// transport would.
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Credential is an azcore.TokenCredential returning a fixed token, for the
// in-process demo and tests: the emulator reads the token's meaning from its
// text (see TokenExpired, TokenReader).
type Credential struct {
	Token string // "" means DemoToken
}

// GetToken implements azcore.TokenCredential.
func (c Credential) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok := c.Token
	if tok == "" {
		tok = DemoToken
	}
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	return azcore.AccessToken{Token: tok, ExpiresOn: far}, nil
}

var _ azcore.TokenCredential = Credential{}
