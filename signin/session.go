package signin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// sealer authenticates and encrypts cookie values (AES-256-GCM): a browser
// can neither read what a cookie holds (names, roles, the PKCE verifier) nor
// forge or alter one.
type sealer struct{ aead cipher.AEAD }

// newSealer derives the cookie key from the configured key, so a key of any
// length (at least MinKeyLen bytes) gives a 256-bit AES key, and the same key
// used elsewhere would not give the same AES key.
func newSealer(key []byte) (*sealer, error) {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("socpilot signin cookie v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encodes v for the cookie name: the name is authenticated with it, so a
// sealed login state cannot be replayed as a session cookie.
func (s *sealer) seal(name string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

var errBadCookie = errors.New("cookie is not one this server sealed")

func (s *sealer) open(name, value string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return errBadCookie
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return errBadCookie
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("%w: %v", errBadCookie, err)
	}
	return nil
}
