//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkKQLCheckDir runs `socpilot kql check DIR` over a directory of
// 6,000 files made from the queries of the KQL corpora (shared/corpora/kql,
// repeated as needed): two in three .kql files, one in three scheduled
// analytic rules in YAML. It reports the CPU time of one run (cpu-s/op),
// user and system, garbage collection included, in process and as a command
// of its own with GOMAXPROCS=1 (process: start-up and the loading of the
// embedded catalog included); issue 12 asks for at most one second on one
// core:
//
//	go test ./cmd/socpilot -run XXX -bench KQLCheckDir -cpu 1 -benchtime 3x
func BenchmarkKQLCheckDir(b *testing.B) {
	queries := benchCorpusQueries(b)
	dir := b.TempDir()
	const files = 6000
	for i := range files {
		q := queries[i%len(queries)]
		var name, text string
		if i%3 == 2 {
			name = fmt.Sprintf("rule%04d.yaml", i)
			text = "id: " + fmt.Sprintf("00000000-0000-0000-0000-%012d", i) + "\nname: Rule " + fmt.Sprint(i) +
				"\nkind: Scheduled\nqueryFrequency: 1h\nqueryPeriod: 1h\nquery: |2\n  " +
				strings.ReplaceAll(strings.TrimRight(q, "\n"), "\n", "\n  ") + "\n"
		} else {
			name = fmt.Sprintf("query%04d.kql", i)
			text = q
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", i%40))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// in process: what the command does once the catalog is loaded (run with
	// -cpuprofile to see where the time goes)
	b.Run("inprocess", func(b *testing.B) {
		io := streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}
		cpu := benchProcessCPU()
		for b.Loop() {
			o := &kqlCheckOptions{IO: io, args: []string{dir}, output: "text"}
			if err := runKQLCheck(b.Context(), o); err != nil && !errors.As(err, new(silentFailure)) {
				b.Fatal(err)
			}
		}
		b.ReportMetric((benchProcessCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	})
	// the command as a user runs it, on one core: start-up and the loading of
	// the embedded catalog included
	b.Run("process", func(b *testing.B) {
		bin := filepath.Join(b.TempDir(), "socpilot")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			b.Skipf("build socpilot: %v\n%s", err, out)
		}
		var cpu time.Duration
		for b.Loop() {
			cmd := exec.Command(bin, "kql", "check", dir)
			cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
			err := cmd.Run()
			if cmd.ProcessState == nil || (err != nil && cmd.ProcessState.ExitCode() != 1) {
				b.Fatalf("socpilot kql check: %v", err)
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
}

// benchCorpusQueries reads the query texts of the KQL corpora, found in
// shared/corpora above the package directory; the benchmark skips without it.
func benchCorpusQueries(b *testing.B) []string {
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "shared", "corpora", "kql")); err == nil && st.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			b.Skip("no shared/corpora/kql above the package directory")
		}
		dir = parent
	}
	var out []string
	for _, name := range []string{"dev.jsonl", "community.jsonl"} {
		f, err := os.Open(filepath.Join(dir, "shared", "corpora", "kql", name))
		if err != nil {
			b.Skip(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var q struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
				b.Fatal(err)
			}
			out = append(out, q.Query)
		}
		f.Close()
	}
	return out
}

// benchProcessCPU is the CPU time the process has used, user and system.
func benchProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
