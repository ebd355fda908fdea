package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/socpilot/socpilot"
)

// TestKeyVaultUsesTheGivenCredential: Load signs in to Key Vault with the
// credential Inputs.Credential gives, built for the configured cloud, so a
// caller builds DefaultAzureCredential once and shares it.
func TestKeyVaultUsesTheGivenCredential(t *testing.T) {
	var asked []string
	credential := func(cloudName string) (azcore.TokenCredential, error) {
		asked = append(asked, cloudName)
		return nil, errors.New("no credential in this test")
	}
	env := map[string]string{"SOCPILOT_KEYVAULT_URL": "https://kv-test.vault.azure.net/", "SOCPILOT_CLOUD": "AzureChina", "XDG_CONFIG_HOME": t.TempDir()}
	_, err := Load(t.Context(), Inputs{Getenv: envOf(env), Credential: credential})
	if len(asked) != 1 || asked[0] != AzureChina {
		t.Errorf("Credential asked for clouds %q, want [%s] once", asked, AzureChina)
	}
	if socpilot.ErrorCode(err) != socpilot.EUnauthorized || !strings.Contains(err.Error(), "no Azure credential to read Key Vault https://kv-test.vault.azure.net/") {
		t.Errorf("err = %v; want EUnauthorized naming the vault", err)
	}
}
