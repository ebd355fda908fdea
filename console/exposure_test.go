package console_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/console"
)

func TestCheckExposure(t *testing.T) {
	for _, tc := range []struct {
		listen string
		demo   bool
		open   bool
	}{
		{"127.0.0.1:8080", true, true},
		{"localhost:8080", true, true},
		{"[::1]:8080", true, true},
		{"127.0.0.1:8080", false, false},
		{"0.0.0.0:8080", true, false},
		{":8080", true, false},
		{"10.0.0.5:8080", true, false},
		{"[::]:8080", false, false},
	} {
		err := console.CheckExposure(tc.listen, tc.demo)
		if (err == nil) != tc.open {
			t.Errorf("CheckExposure(%q, demo %v) = %v; want open %v", tc.listen, tc.demo, err, tc.open)
		}
		var sr *console.SignInRequired
		if err != nil && (!errors.As(err, &sr) || !strings.Contains(err.Error(), "sign-in")) {
			t.Errorf("CheckExposure(%q, %v): %v is not a clear sign-in refusal", tc.listen, tc.demo, err)
		}
	}
}

func TestRefusedAnswers403WithTheReason(t *testing.T) {
	h := console.Refused(console.CheckExposure("0.0.0.0:8080", true))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusForbidden || !strings.Contains(string(body), "needs sign-in") {
		t.Errorf("status %d, body %q", rec.Code, body)
	}
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Error("no CSP on the refusal")
	}
}

func TestSignInRequiredNamesTheMissingSettings(t *testing.T) {
	err := &console.SignInRequired{Listen: "0.0.0.0:8080", Missing: []string{"SOCPILOT_SIGNIN_CLIENT_ID", "SOCPILOT_SIGNIN_CLIENT_SECRET"}}
	if !strings.Contains(err.Error(), "on 0.0.0.0:8080") || !strings.Contains(err.Error(), "set SOCPILOT_SIGNIN_CLIENT_ID, SOCPILOT_SIGNIN_CLIENT_SECRET") {
		t.Errorf("%v", err)
	}
}
