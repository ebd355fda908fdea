package logs_test

import (
	"net/http"
	"net/http/httptest"
)

func newLoopbackServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
