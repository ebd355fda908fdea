package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// fakeCred hands out a token and remembers the scopes asked for.
type fakeCred struct {
	mu     sync.Mutex
	scopes []string
}

func (f *fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append(f.scopes, o.Scopes...)
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestClient serves h on a loopback httptest server; no retries unless
// the test asks.
func newTestClient(t *testing.T, h http.Handler, retry policy.RetryOptions) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if retry.MaxRetries == 0 {
		retry.MaxRetries = -1
	}
	c, err := New(&fakeCred{}, Options{Endpoint: srv.URL, Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// handlerTransport hands requests to a handler in process, so that tests
// run inside a synctest bubble (no real sockets).
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) Do(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

var (
	osReadFile        = os.ReadFile
	contextBackground = context.Background
	urlUnescape       = url.QueryUnescape
)
