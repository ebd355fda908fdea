package signin

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// keyRefreshInterval is the least time between two reads of the tenant's
// keys. go-oidc's RemoteKeySet reads them again for every token signed by
// a key it does not know, so anyone who can send a bearer token to /mcp
// could make socpilot call the provider once per request. Entra publishes
// a new signing key weeks before it signs with it, so a key unknown
// minutes after the last read is not one of the tenant's.
const keyRefreshInterval = 5 * time.Minute

// keySet is the tenant's signing keys, read from its JWKS document at
// most once per keyRefreshInterval.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	keys    oidc.StaticKeySet
	fetched time.Time
}

var _ oidc.KeySet = (*keySet)(nil)

// VerifySignature verifies jwt with the known keys, reading them again
// first when none verifies and the last read is old enough.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	k.mu.Lock()
	keys, fetched := k.keys, k.fetched
	k.mu.Unlock()
	if len(keys.PublicKeys) > 0 {
		if payload, err := keys.VerifySignature(ctx, jwt); err == nil {
			return payload, nil
		}
	}
	if !fetched.IsZero() && k.now().Sub(fetched) < keyRefreshInterval {
		return nil, errors.New("signed by a key the tenant does not publish")
	}
	if err := k.refresh(ctx, fetched); err != nil {
		return nil, err
	}
	k.mu.Lock()
	keys = k.keys
	k.mu.Unlock()
	return keys.VerifySignature(ctx, jwt)
}

// refresh reads the keys unless another request did since seen.
func (k *keySet) refresh(ctx context.Context, seen time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.fetched.Equal(seen) {
		return nil
	}
	// Whatever the outcome, the next read waits: a provider that fails
	// must not be asked again on every request either.
	k.fetched = k.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return fmt.Errorf("read the tenant's keys: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return fmt.Errorf("read the tenant's keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read the tenant's keys: %s answered %s", k.url, resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("read the tenant's keys: %w", err)
	}
	var pubs []crypto.PublicKey
	for _, key := range set.Keys {
		if key.Use == "" || key.Use == "sig" {
			// Entra signs with RSA keys only (RS256, the one algorithm
			// the verifiers accept).
			if pub, ok := key.Key.(*rsa.PublicKey); ok {
				pubs = append(pubs, pub)
			}
		}
	}
	if len(pubs) == 0 {
		return fmt.Errorf("read the tenant's keys: %s lists no signing key", k.url)
	}
	k.keys = oidc.StaticKeySet{PublicKeys: pubs}
	return nil
}
