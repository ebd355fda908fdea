package sqlstore

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot"
)

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []Migration
		wantErr string
	}{
		{"sorted by version, not by name", fstest.MapFS{"m/10_c.sql": file("c"), "m/2_b.sql": file("b"), "m/0001_a.sql": file("a")},
			[]Migration{{1, "0001_a.sql", "a"}, {2, "2_b.sql", "b"}, {10, "10_c.sql", "c"}}, ""},
		{"no version", fstest.MapFS{"m/init.sql": file("")}, nil, "init.sql: name must start with a positive version number"},
		{"version zero", fstest.MapFS{"m/0000_x.sql": file("")}, nil, "0000_x.sql: name must start with a positive version number"},
		{"no underscore", fstest.MapFS{"m/0001.sql": file("")}, nil, "0001.sql: name must start"},
		{"shared version", fstest.MapFS{"m/0001_a.sql": file(""), "m/1_b.sql": file("")}, nil, "share version 1"},
		{"empty", fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir}}, nil, "no migrations in m"},
		{"no directory", fstest.MapFS{}, nil, "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadMigrations(tt.fsys, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadMigrations: %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadMigrations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPending(t *testing.T) {
	t.Parallel()
	ms := []Migration{{Version: 1}, {Version: 2}, {Version: 5}}
	for _, tt := range []struct {
		current int
		want    []int
	}{{0, []int{1, 2, 5}}, {1, []int{2, 5}}, {3, []int{5}}, {5, nil}} {
		got, err := Pending(ms, tt.current)
		if err != nil {
			t.Fatalf("Pending at %d: %v", tt.current, err)
		}
		var versions []int
		for _, m := range got {
			versions = append(versions, m.Version)
		}
		if diff := cmp.Diff(tt.want, versions); diff != "" {
			t.Errorf("Pending at %d (-want +got):\n%s", tt.current, diff)
		}
	}
	if _, err := Pending(ms, 6); socpilot.ErrorCode(err) != socpilot.EConfig {
		t.Errorf("Pending at a newer version: %v; want code %s", err, socpilot.EConfig)
	}
}
