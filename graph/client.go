// Package graph is socpilot's client for the Microsoft Graph security API:
// unified Microsoft Defender XDR incidents (the incidents of the Defender
// portal, where Sentinel incidents live once a workspace is onboarded),
// their alerts_v2 with evidence, incident comments and advanced hunting
// (runHuntingQuery). It is built on the azcore pipeline with typed requests
// and responses for the few endpoints it calls, not on the Graph SDK.
// Graph types stay inside this package: callers see socpilot domain types.
//
// How Graph's incident, alert, evidence and comment fields become socpilot's
// domain types is written down beside the conversions, in convert.go and
// evidence.go.
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/loopback"
)

// Cloud names a national cloud's Graph service. The names match
// SOCPILOT_CLOUD; AzureUSGovernmentDoD is the US Government L5 (DoD) Graph
// endpoint, which has no Azure Resource Manager counterpart of its own.
const (
	AzurePublic          = "AzurePublic"
	AzureUSGovernment    = "AzureUSGovernment" // L4 (GCC High)
	AzureUSGovernmentDoD = "AzureUSGovernmentDoD"
	AzureChina           = "AzureChina"
)

// Endpoints of Microsoft Graph per national cloud
// (https://learn.microsoft.com/graph/deployments). A token for Graph is
// requested for the endpoint's "/.default" scope.
var endpoints = map[string]string{
	AzurePublic:          "https://graph.microsoft.com",
	AzureUSGovernment:    "https://graph.microsoft.us",
	AzureUSGovernmentDoD: "https://dod-graph.microsoft.us",
	AzureChina:           "https://microsoftgraph.chinacloudapi.cn",
}

// cloudAliases accepts the Azure CLI's names too, as config does.
var cloudAliases = map[string]string{
	"":                     AzurePublic,
	"azurepublic":          AzurePublic,
	"azurecloud":           AzurePublic,
	"azureusgovernment":    AzureUSGovernment,
	"azuregovernment":      AzureUSGovernment,
	"azureusgovernmentdod": AzureUSGovernmentDoD,
	"azuregovernmentdod":   AzureUSGovernmentDoD,
	"azurechina":           AzureChina,
	"azurechinacloud":      AzureChina,
}

// Options configure a Client.
type Options struct {
	// Cloud is AzurePublic (""), AzureUSGovernment, AzureUSGovernmentDoD or
	// AzureChina: it picks the Graph endpoint and the token scope.
	Cloud string
	// Endpoint overrides the Graph endpoint (SOCPILOT_GRAPH_ENDPOINT), e.g.
	// http://127.0.0.1:8080 for `socpilot emulator`, or a proxy. Plain HTTP is
	// allowed to a loopback host only, because every request carries a
	// bearer token. The token scope stays the cloud's unless the override is
	// another cloud's Graph endpoint (then that cloud's scope is used, which
	// is how to reach the L5 endpoint without naming its cloud).
	Endpoint  string
	Transport policy.Transporter  // nil → default HTTP client
	Retry     policy.RetryOptions // zero → 4 retries honouring Retry-After
}

// Client reads Defender incidents and hunts through Microsoft Graph.
type Client struct {
	base     *url.URL // Graph endpoint, without the version segment
	scope    string
	pipeline runtime.Pipeline
}

// maxPageSize is the $top a list asks for: smaller pages cost more round
// trips but are accepted everywhere; @odata.nextLink carries on.
const maxPageSize = 50

// New returns a client using cred (normally azidentity's DefaultAzureCredential).
func New(cred azcore.TokenCredential, opts Options) (*Client, error) {
	cloudName, ok := cloudAliases[strings.ToLower(strings.TrimSpace(opts.Cloud))]
	if !ok {
		return nil, socpilot.Errorf(socpilot.EConfig, "%q is not a known cloud for Microsoft Graph; expected AzurePublic, AzureUSGovernment, AzureUSGovernmentDoD or AzureChina", opts.Cloud)
	}
	endpoint := endpoints[cloudName]
	scope := endpoint + "/.default"
	insecure := false
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, socpilot.Errorf(socpilot.EConfig, "Graph endpoint %q is not an http or https URL (expected e.g. http://127.0.0.1:8080)", opts.Endpoint)
		}
		if u.Scheme == "http" {
			if !loopback.Host(u.Hostname()) {
				return nil, socpilot.Errorf(socpilot.EConfig, "Graph endpoint %q uses plain HTTP to a non-loopback host; use https", opts.Endpoint)
			}
			insecure = true
		}
		endpoint = strings.TrimSuffix(strings.TrimRight(opts.Endpoint, "/"), "/v1.0")
		for _, e := range endpoints {
			if strings.EqualFold(e, u.Scheme+"://"+u.Host) {
				scope = e + "/.default"
			}
		}
	}
	if cred == nil {
		return nil, socpilot.Errorf(socpilot.EConfig, "Microsoft Graph needs a credential")
	}
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse Graph endpoint: %w", err)
	}
	retry := opts.Retry
	if retry.MaxRetries == 0 {
		retry.MaxRetries = 4
	}
	if retry.TryTimeout == 0 {
		retry.TryTimeout = 30 * time.Second
	}
	bearer := runtime.NewBearerTokenPolicy(cred, []string{scope}, &policy.BearerTokenOptions{InsecureAllowCredentialWithHTTP: insecure})
	pl := runtime.NewPipeline("socpilot/graph", "v0.1.0",
		runtime.PipelineOptions{PerRetry: []policy.Policy{bearer}},
		&policy.ClientOptions{Transport: opts.Transport, Retry: retry, InsecureAllowCredentialWithHTTP: insecure})
	return &Client{base: base, scope: scope, pipeline: pl}, nil
}

// Name names the backend for people.
func (c *Client) Name() string { return "Microsoft Defender (Graph)" }

// Scope is the OAuth scope the client asks tokens for.
func (c *Client) Scope() string { return c.scope }

// Endpoint is the Graph endpoint the client talks to.
func (c *Client) Endpoint() string { return c.base.String() }

// op describes a call for error messages: what it does, and the Graph
// permission it needs.
type op struct {
	what       string
	permission string
	incident   string // the incident id, for 404s on incident paths
}

// Permissions Graph asks for, from the API reference of each endpoint.
const (
	PermIncidentRead  = "SecurityIncident.Read.All"
	PermIncidentWrite = "SecurityIncident.ReadWrite.All"
	PermHunting       = "ThreatHunting.Read.All"
)

// url builds an absolute URL for a path under /v1.0 with query q.
func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/v1.0" + path
	if len(q) > 0 {
		// Graph wants $filter etc. with a literal '$'; Encode escapes only what must be.
		u.RawQuery = strings.ReplaceAll(q.Encode(), "%24", "$")
	}
	return u.String()
}

// do sends one request and decodes a 2xx JSON answer into out (nil: ignore
// the body). Any other answer becomes a *socpilot.Error.
func (c *Client) do(ctx context.Context, method, rawURL string, body any, out any, o op) error {
	req, err := runtime.NewRequest(ctx, method, rawURL)
	if err != nil {
		return fmt.Errorf("%s: build request: %w", o.what, err)
	}
	req.Raw().Header.Set("Accept", "application/json")
	// Without it Graph hides evolvable enum members added later, such as
	// the incident status awaitingAction and newer alert service sources.
	req.Raw().Header.Set("Prefer", "include-unknown-enum-members")
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", o.what, err)
		}
		// Hunting queries may hold non-ASCII text; the API reference asks
		// for an explicit charset then.
		if err := req.SetBody(streaming.NopCloser(bytes.NewReader(b)), "application/json; charset=utf-8"); err != nil {
			return fmt.Errorf("%s: set body: %w", o.what, err)
		}
	}
	resp, err := c.pipeline.Do(req)
	if err != nil {
		return c.transportError(err, o)
	}
	payload, err := runtime.Payload(resp)
	if err != nil {
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: o.what + ": reading Microsoft Graph's answer failed"}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp, payload, o)
	}
	if out == nil || len(bytes.TrimSpace(payload)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return &socpilot.Error{Code: socpilot.EInternal, Err: err, Message: o.what + ": Microsoft Graph's answer is not the JSON expected"}
	}
	return nil
}

// sameOrigin reports whether next is on the client's endpoint: a nextLink
// elsewhere would receive the bearer token, so it is not followed.
func (c *Client) sameOrigin(next string) bool {
	u, err := url.Parse(next)
	return err == nil && strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// page is one page of a Graph collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// list follows @odata.nextLink from first until limit items are read (all
// when limit is 0).
func list[T any](ctx context.Context, c *Client, first string, limit int, o op) ([]T, error) {
	var out []T
	next := first
	for pages := 0; next != ""; pages++ {
		if pages > 0 && !c.sameOrigin(next) {
			return nil, socpilot.Errorf(socpilot.EInternal, "%s: Microsoft Graph pointed the next page at %q, outside %s; not following it", o.what, next, c.base)
		}
		var p page[T]
		if err := c.do(ctx, http.MethodGet, next, nil, &p, o); err != nil {
			return nil, err
		}
		for _, v := range p.Value {
			out = append(out, v)
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
		next = p.NextLink
	}
	return out, nil
}
