package config

import (
	"maps"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/socpilot/socpilot"
)

// Cloud names accepted by SOCPILOT_CLOUD.
const (
	AzurePublic       = "AzurePublic"
	AzureUSGovernment = "AzureUSGovernment"
	AzureChina        = "AzureChina"
)

// cloudAliases maps lower-cased names to the canonical ones. The Azure CLI
// names (`az cloud list`) are accepted too, because users copy them from there.
var cloudAliases = map[string]string{
	"azurepublic":       AzurePublic,
	"azurecloud":        AzurePublic,
	"azureusgovernment": AzureUSGovernment,
	"azuregovernment":   AzureUSGovernment,
	"azurechina":        AzureChina,
	"azurechinacloud":   AzureChina,
}

func canonicalCloud(name string) (string, bool) {
	c, ok := cloudAliases[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

// CloudConfig returns the azcore cloud configuration for a cloud name
// ("" is AzurePublic), with the Resource Manager endpoint and audience set:
// azcore's own values are only filled in when the arm runtime package
// happens to be linked, so they are spelled out here. The result is a copy:
// callers may change it without touching azcore's globals.
func CloudConfig(name string) (cloud.Configuration, error) {
	if name == "" {
		name = AzurePublic
	}
	c, ok := canonicalCloud(name)
	if !ok {
		return cloud.Configuration{}, socpilot.Errorf(socpilot.EConfig, "%q is not a known cloud; expected %s", name, cloudList)
	}
	var base cloud.Configuration
	var arm cloud.ServiceConfiguration
	switch c {
	case AzurePublic:
		base = cloud.AzurePublic
		arm = cloud.ServiceConfiguration{Audience: "https://management.core.windows.net/", Endpoint: "https://management.azure.com"}
	case AzureUSGovernment:
		base = cloud.AzureGovernment
		arm = cloud.ServiceConfiguration{Audience: "https://management.core.usgovcloudapi.net/", Endpoint: "https://management.usgovcloudapi.net"}
	case AzureChina:
		base = cloud.AzureChina
		arm = cloud.ServiceConfiguration{Audience: "https://management.core.chinacloudapi.cn/", Endpoint: "https://management.chinacloudapi.cn"}
	}
	out := cloud.Configuration{ActiveDirectoryAuthorityHost: base.ActiveDirectoryAuthorityHost, Services: maps.Clone(base.Services)}
	if out.Services == nil {
		out.Services = map[cloud.ServiceName]cloud.ServiceConfiguration{}
	}
	out.Services[cloud.ResourceManager] = arm
	return out, nil
}

const cloudList = "AzurePublic, AzureUSGovernment or AzureChina"
