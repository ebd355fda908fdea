package main

import (
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"socpilot": func() {
			os.Exit(mainCode())
		},
	})
}

// trap is a proxy that fails the test on any request: with HTTPS_PROXY and
// HTTP_PROXY pointing at it, nothing a test runs can reach beyond loopback.
func trap(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a test tried to reach %s %s beyond loopback", r.Method, r.Host)
		http.Error(w, "blocked by the test traffic trap", http.StatusForbidden)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestScripts(t *testing.T) {
	proxy := trap(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// -update rewrites the files a script's `cmp stdout` compares with.
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("SOCPILOT_STATE_DIR", e.WorkDir+"/state")
			e.Setenv("HOME", e.WorkDir+"/home")
			e.Setenv("XDG_CONFIG_HOME", e.WorkDir+"/home/.config")
			e.Setenv("HTTPS_PROXY", proxy)
			e.Setenv("HTTP_PROXY", proxy)
			e.Setenv("NO_PROXY", "")
			return nil
		},
	})
}
