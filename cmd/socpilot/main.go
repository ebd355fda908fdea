// Command socpilot is an AI copilot for Microsoft Sentinel incidents.
// main only wires IO and the exit code; each command lives in its own file
// as an options struct and a run function over injectable streams.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
)

// Exit codes, mapped in one place.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() { os.Exit(mainCode()) }

// mainCode runs socpilot on the process's arguments and streams. SIGINT and
// SIGTERM cancel the run's context: serve drains, others stop promptly.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
}

// streams are a command's IO, swapped for buffers in tests. noColor and
// dumbTerm are the NO_COLOR and TERM=dumb of the environment (set by
// newFactory): a terminal then gets plain text.
type streams struct {
	in       io.Reader
	out, err io.Writer

	noColor, dumbTerm bool
}

// notice says something to the user on stderr, as socpilot.
func (s streams) notice(format string, args ...any) {
	fmt.Fprintf(s.err, "socpilot: "+format+"\n", args...)
}

// usageError marks a mistake in how the command was called (exit 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// run executes socpilot with args and returns the exit code.
func run(ctx context.Context, args []string, io streams, getenv func(string) string) int {
	f := newFactory(io, getenv)
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	err := root.ExecuteContext(ctx)
	if cerr := f.close(); err == nil {
		err = cerr
	}
	if err == nil {
		return exitOK
	}
	var quiet silentFailure
	if !errors.As(err, &quiet) {
		fmt.Fprintf(io.err, "socpilot: %s\n", oneLine(err))
	}
	return exitCode(err)
}

// silentFailure exits 1 without a message: the command already reported
// what failed (kql check's findings, doctor's checks).
type silentFailure struct{ err error }

func (s silentFailure) Error() string { return s.err.Error() }
func (s silentFailure) Unwrap() error { return s.err }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	switch socpilot.ErrorCode(err) {
	case socpilot.EInvalid, socpilot.EConfig:
		return exitUsage
	}
	return exitFailure
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// incidentNumber parses an incident number argument.
func incidentNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, usagef("incident number must be a positive whole number, got %q", s)
	}
	return n, nil
}

// outputFormat checks an -o value against the formats a command offers.
func outputFormat(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usagef("-o %q: expected %s", v, strings.Join(allowed, " or "))
}

// parentCommand is a command that only groups subcommands: run alone, it
// is a usage error naming them.
func parentCommand(use, short, subcommands string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(0, "a subcommand ("+subcommands+")"),
		RunE:  func(*cobra.Command, []string) error { return usagef("%s expects a subcommand: %s", use, subcommands) },
	}
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s expects %s (see `socpilot %s --help`)", cmd.Name(), what, cmd.Name())
		}
		return nil
	}
}
