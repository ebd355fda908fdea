// Package azendpoint points an Azure SDK client at an endpoint of the
// user's choosing, such as `socpilot emulator`, instead of its cloud's. The
// SDK sends a bearer token with every request, so plain HTTP, which carries
// it in clear, is allowed to a loopback host only.
package azendpoint

import (
	"maps"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/loopback"
)

// Service is the service of a cloud whose endpoint may be overridden.
type Service struct {
	Name     cloud.ServiceName
	Label    string // how errors name the endpoint, e.g. "ARM endpoint"
	Audience string // the token audience when the cloud has none for Name
	Example  string // an endpoint shown to someone who gave a malformed one
}

// Cloud returns cfg, AzurePublic when zero, with the service's endpoint set
// to endpoint, and the parsed endpoint so that a caller can tell plain HTTP.
// With endpoint "" it returns the cloud unchanged and a nil URL. cfg's
// services map is copied, never written: cloud.AzurePublic is shared.
func (s Service) Cloud(cfg cloud.Configuration, endpoint string) (cloud.Configuration, *url.URL, error) {
	if cfg.Services == nil {
		cfg = cloud.AzurePublic
	}
	if endpoint == "" {
		return cfg, nil, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return cloud.Configuration{}, nil, socpilot.Errorf(socpilot.EConfig, "%s %q is not an http or https URL (expected e.g. %s)", s.Label, endpoint, s.Example)
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		return cloud.Configuration{}, nil, socpilot.Errorf(socpilot.EConfig, "%s %q uses plain HTTP to a non-loopback host; use https", s.Label, endpoint)
	}
	svc := cfg.Services[s.Name]
	if svc.Audience == "" {
		svc.Audience = s.Audience
	}
	svc.Endpoint = strings.TrimRight(endpoint, "/")
	services := maps.Clone(cfg.Services)
	services[s.Name] = svc
	return cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.ActiveDirectoryAuthorityHost, Services: services}, u, nil
}
