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

func (a *app) emulatorCommand() *cobra.Command {
	var listen string
	c := &cobra.Command{
		Use:   "emulator",
		Short: "Serve the demo workspace over HTTP as a Sentinel REST API emulator",
		Long: `Serves the demo workspace (the same state the other commands use) as a wire-faithful
Microsoft.SecurityInsights REST API on a loopback address. Point socpilot, or any Sentinel
client, at it with the environment variables it prints.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkListen(listen); err != nil {
				return err
			}
			srv, err := a.openDemo(cmd.Context())
			if err != nil {
				return err
			}
			return serveEmulator(cmd.Context(), a, srv, listen)
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on (loopback only)")
	return c
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
func serveEmulator(ctx context.Context, a *app, h http.Handler, listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	addr := ln.Addr().String()
	fmt.Fprintf(a.out, "Sentinel API emulator listening on http://%s\n", addr)
	fmt.Fprintf(a.out, "Point socpilot at it with:\n  export SOCPILOT_ARM_ENDPOINT=http://%s SOCPILOT_SUBSCRIPTION_ID=%s SOCPILOT_RESOURCE_GROUP=%s SOCPILOT_WORKSPACE_NAME=%s\n",
		addr, emulator.DemoSubscription, emulator.DemoResourceGroup, emulator.DemoWorkspace)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(shutdown); err != nil {
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

func (a *app) demoCommand() *cobra.Command {
	c := parentCommand("demo", "Manage the built-in demo workspace", "reset, load")
	c.AddCommand(a.demoLoadCommand())
	c.AddCommand(&cobra.Command{
		Use:   "reset",
		Short: "Restore the demo workspace to its original incidents (drops comments and tasks written to it)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, err := a.openDemo(cmd.Context())
			if err != nil {
				return err
			}
			if err := srv.Reset(); err != nil {
				return fmt.Errorf("reset the demo workspace: %w", err)
			}
			fmt.Fprintln(a.out, "Demo workspace restored.")
			return nil
		},
	})
	return c
}
