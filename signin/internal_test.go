package signin

import (
	"slices"
	"testing"
)

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/incidents/7?x=1":      "/incidents/7?x=1",
		"//evil.example/x":      "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"":                      "/",
		"/auth/callback?x":      "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestIssuersOfTheClouds(t *testing.T) {
	const tid = "11111111-2222-3333-4444-555555555555"
	for iss, want := range map[string][]string{
		"https://login.microsoftonline.com/" + tid + "/v2.0": {"https://sts.windows.net/" + tid + "/"},
		"https://login.microsoftonline.us/" + tid + "/v2.0":  {"https://sts.windows.net/" + tid + "/"},
		"https://login.chinacloudapi.cn/" + tid + "/v2.0":    {"https://sts.chinacloudapi.cn/" + tid + "/"},
		"http://127.0.0.1:9/" + tid + "/v2.0":                nil,
		"https://login.microsoftonline.com/common/x/v2.0":    nil,
	} {
		if got := v1Issuers(iss); !slices.Equal(got, want) {
			t.Errorf("v1Issuers(%q) = %q; want %q", iss, got, want)
		}
	}
	if !issuerAlias("https://login.chinacloudapi.cn/"+tid+"/v2.0", "https://login.partner.microsoftonline.cn/"+tid+"/v2.0") {
		t.Error("the two hosts of Entra in China are not taken as one")
	}
	for _, other := range []string{
		"https://login.partner.microsoftonline.cn/22222222-2222-3333-4444-555555555555/v2.0",
		"https://login.microsoftonline.com/" + tid + "/v2.0",
		"http://login.partner.microsoftonline.cn/" + tid + "/v2.0",
	} {
		if issuerAlias("https://login.chinacloudapi.cn/"+tid+"/v2.0", other) {
			t.Errorf("%s taken as the same issuer", other)
		}
	}
}
