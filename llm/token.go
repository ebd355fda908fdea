package llm

import (
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/openai/openai-go/v3/option"
)

// tokenSource puts an Entra ID bearer token on requests to the Azure v1 API,
// which openai-go's azure package does not route (it rewrites every chat
// path to /openai/deployments/...). Tokens are cached until five minutes
// before they expire, as azcore's bearer policy does.
type tokenSource struct {
	cred azcore.TokenCredential

	mu    sync.Mutex
	token azcore.AccessToken
}

func (ts *tokenSource) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	tok, err := ts.get(req)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return next(req)
}

func (ts *tokenSource) get(req *http.Request) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token.Token != "" && time.Until(ts.token.ExpiresOn) > 5*time.Minute {
		return ts.token.Token, nil
	}
	tok, err := ts.cred.GetToken(req.Context(), policy.TokenRequestOptions{Scopes: []string{azureScope}})
	if err != nil {
		return "", &Error{Kind: Unauthorized, Message: "could not get an Entra ID token for Azure OpenAI: sign in to Azure (az login) or set SOCPILOT_LLM_API_KEY", Err: err}
	}
	ts.token = tok
	return tok.Token, nil
}
