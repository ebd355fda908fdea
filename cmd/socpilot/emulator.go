package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/internal/loopback"
)

// demoFunc opens the demo workspace's emulator on its persisted state
// (factory.demo).
type demoFunc func(context.Context) (*emulator.Server, error)

// emulatorOptions are what `socpilot emulator` runs with.
type emulatorOptions struct {
	IO   streams
	Demo demoFunc

	listen string
}

// newEmulatorCmd is `socpilot emulator`; runF (nil: runEmulator) runs it.
func newEmulatorCmd(f *factory, runF func(context.Context, *emulatorOptions) error) *cobra.Command {
	o := &emulatorOptions{IO: f.io, Demo: f.demo}
	if runF == nil {
		runF = runEmulator
	}
	c := &cobra.Command{
		Use:   "emulator",
		Short: "Serve the demo workspace over HTTP as a Sentinel REST API emulator",
		Long: `Serves the demo workspace (the same state the other commands use) as a wire-faithful
Microsoft.SecurityInsights REST API on a loopback address. Point socpilot, or any Sentinel
client, at it with the environment variables it prints.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
	c.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (loopback only)")
	return c
}

// runEmulator serves the demo workspace on o.listen until ctx ends.
func runEmulator(ctx context.Context, o *emulatorOptions) error {
	if err := checkListen(o.listen); err != nil {
		return err
	}
	srv, err := o.Demo(ctx)
	if err != nil {
		return err
	}
	return serveEmulator(ctx, o.IO, srv, o.listen)
}

// checkListen accepts a loopback host:port, before the demo state is opened.
func checkListen(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return usagef("--listen %q: expected host:port, e.g. 127.0.0.1:8080", listen)
	}
	if !loopback.Host(host) {
		// The emulator accepts any bearer token: never expose it beyond this machine.
		return usagef("--listen %q: the emulator only listens on loopback addresses (127.0.0.1, ::1, localhost)", listen)
	}
	return nil
}

// serveEmulator serves h on listen, checked by checkListen, until ctx ends.
func serveEmulator(ctx context.Context, s streams, h http.Handler, listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	addr := ln.Addr().String()
	fmt.Fprintf(s.out, "Sentinel API emulator listening on http://%s\n", addr)
	fmt.Fprintf(s.out, "Point socpilot at it with:\n  export SOCPILOT_ARM_ENDPOINT=http://%s SOCPILOT_SUBSCRIPTION_ID=%s SOCPILOT_RESOURCE_GROUP=%s SOCPILOT_WORKSPACE_NAME=%s\n",
		addr, emulator.DemoSubscription, emulator.DemoResourceGroup, emulator.DemoWorkspace)
	fmt.Fprintf(s.out, "It also serves the Microsoft Graph security API (/v1.0/security) over the same incidents; for the Graph backend:\n  export SOCPILOT_BACKEND=graph SOCPILOT_GRAPH_ENDPOINT=http://%s\n", addr)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(shutdown); err != nil {
			// A client may hold a connection it never sent a request on
			// (Go's transport dials ahead): Shutdown waits 5 s for such a
			// connection. Nothing is in flight on it: close it.
			if errors.Is(err, context.DeadlineExceeded) {
				return hs.Close()
			}
			return fmt.Errorf("stop emulator: %w", err)
		}
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve emulator: %w", err)
	}
}

// demoOptions are what `socpilot demo reset` and `socpilot demo load DIR` run with.
type demoOptions struct {
	IO   streams
	Demo demoFunc

	dir string // demo load's argument
}

// newDemoCmd is `socpilot demo` with its subcommands reset and load.
func newDemoCmd(f *factory) *cobra.Command {
	c := parentCommand("demo", "Manage the built-in demo workspace", "reset, load")
	c.AddCommand(newDemoLoadCmd(f, nil))
	c.AddCommand(newDemoResetCmd(f, nil))
	return c
}

// newDemoResetCmd is `socpilot demo reset`; runF (nil: runDemoReset) runs it.
func newDemoResetCmd(f *factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	o := &demoOptions{IO: f.io, Demo: f.demo}
	if runF == nil {
		runF = runDemoReset
	}
	return &cobra.Command{
		Use:   "reset",
		Short: "Restore the demo workspace to its original incidents (drops comments and tasks written to it)",
		Args:  exactArgs(0, "no arguments"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
}

// runDemoReset restores the demo workspace's built-in incidents.
func runDemoReset(ctx context.Context, o *demoOptions) error {
	srv, err := o.Demo(ctx)
	if err != nil {
		return err
	}
	if err := srv.Reset(); err != nil {
		return fmt.Errorf("reset the demo workspace: %w", err)
	}
	fmt.Fprintln(o.IO.out, "Demo workspace restored.")
	return nil
}
