// Package sentineltest gives tests a Sentinel client on an in-process
// emulator of the demo workspace: the setup every package that reads
// incidents needs, written once.
package sentineltest

import (
	"testing"
	"time"

	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/sentinel"
)

// Workspace is the demo workspace the emulator serves by default.
var Workspace = sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}

// New starts an emulator with opts (its clock at emulator.DatasetAnchor
// unless opts.Now is set) and returns a client on it, in process.
func New(t testing.TB, opts emulator.Options) (*sentinel.Client, *emulator.Server) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return emulator.DatasetAnchor }
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return Client(t, srv), srv
}

// Client is a Sentinel client on srv, in process.
func Client(t testing.TB, srv *emulator.Server) *sentinel.Client {
	t.Helper()
	c, err := sentinel.New(Workspace, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
