package azendpoint

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

var arm = Service{Name: cloud.ResourceManager, Label: "ARM endpoint", Audience: "https://management.core.windows.net/", Example: "http://127.0.0.1:8080"}

func TestCloud(t *testing.T) {
	in := cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.example/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Audience: "https://arm.example/", Endpoint: "https://arm.example"},
			"other":               {Audience: "a", Endpoint: "e"},
		}}
	for _, tc := range []struct {
		endpoint     string
		wantEndpoint string // "" wants a config error
		wantScheme   string
	}{
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", "http"},
		{"http://localhost:8080", "http://localhost:8080", "http"},
		{"http://[::1]:8080", "http://[::1]:8080", "http"},
		{"https://arm.example.com/base/", "https://arm.example.com/base", "https"},
		{"http://127.example.com", "", ""},
		{"http://10.0.0.5", "", ""},
		{"127.0.0.1:8080", "", ""},
		{"ftp://127.0.0.1", "", ""},
		{"::not a url", "", ""},
	} {
		cfg, u, err := arm.Cloud(in, tc.endpoint)
		if tc.wantEndpoint == "" {
			if socpilot.ErrorCode(err) != socpilot.EConfig {
				t.Errorf("Cloud(%q): error %v, want a config error", tc.endpoint, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Cloud(%q): %v", tc.endpoint, err)
			continue
		}
		want := cloud.Configuration{ActiveDirectoryAuthorityHost: in.ActiveDirectoryAuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Audience: "https://arm.example/", Endpoint: tc.wantEndpoint},
				"other":               {Audience: "a", Endpoint: "e"},
			}}
		if diff := cmp.Diff(want, cfg); diff != "" {
			t.Errorf("Cloud(%q) (-want +got):\n%s", tc.endpoint, diff)
		}
		if u == nil || u.Scheme != tc.wantScheme {
			t.Errorf("Cloud(%q): URL %v, want scheme %q", tc.endpoint, u, tc.wantScheme)
		}
	}
	if got := in.Services[cloud.ResourceManager].Endpoint; got != "https://arm.example" {
		t.Errorf("Cloud wrote to the caller's services map: endpoint %q", got)
	}
}

// No endpoint leaves the cloud as it is, AzurePublic when zero; a cloud
// without the service gets the default audience.
func TestCloudDefaults(t *testing.T) {
	cfg, u, err := arm.Cloud(cloud.Configuration{}, "")
	if err != nil || u != nil {
		t.Fatalf("Cloud with no endpoint: %v, %v", u, err)
	}
	if diff := cmp.Diff(cloud.AzurePublic, cfg); diff != "" {
		t.Errorf("Cloud with no endpoint (-want +got):\n%s", diff)
	}
	cfg, _, err = arm.Cloud(cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{}}, "https://arm.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Services[cloud.ResourceManager]; got.Audience != arm.Audience || got.Endpoint != "https://arm.example.com" {
		t.Errorf("service %+v, want the default audience and the endpoint", got)
	}
}
