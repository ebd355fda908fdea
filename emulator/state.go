package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// Resource type strings as the service writes them. Incidents appear as both
// .../incidents and .../Incidents in real replies; the emulator writes the
// lower-case form the 2025-09-01 examples use.
const (
	typeIncidents = "Microsoft.SecurityInsights/incidents"
	typeComments  = "Microsoft.SecurityInsights/incidents/comments"
	typeTasks     = "Microsoft.SecurityInsights/incidents/tasks"
	typeRelations = "Microsoft.SecurityInsights/incidents/relations"
)

const stateVersion = 1

// state is everything the emulator serves; persisted as JSON.
type state struct {
	Version       int       `json:"version"`
	Subscription  string    `json:"subscription"`
	ResourceGroup string    `json:"resourceGroup"`
	Workspace     string    `json:"workspace"`
	Seq           uint64    `json:"seq"` // write counter: etags derive from it
	Incidents     []*Record `json:"incidents"`

	byName map[string]*Record // lower-case incident name
}

func (st *state) index() {
	st.byName = make(map[string]*Record, len(st.Incidents))
	for _, r := range st.Incidents {
		st.byName[strings.ToLower(r.Incident.Name)] = r
	}
}

func (st *state) incident(name string) *Record { return st.byName[strings.ToLower(name)] }

func (st *state) nextNumber() int64 {
	var max int64
	for _, r := range st.Incidents {
		if n, ok := intProp(r.Incident.Properties, "incidentNumber"); ok && n > max {
			max = n
		}
	}
	return max + 1
}

// newEtag returns a fresh etag value for the resource id. Etags derive from
// a write counter rather than randomness so runs are reproducible.
func (st *state) newEtag(id string) string {
	st.Seq++
	return deriveID(id, "etag", fmt.Sprint(st.Seq))
}

// rebase moves state persisted for another workspace to the served one.
func (st *state) rebase(sub, rg, ws string) {
	rw := newRewriter(st.Subscription, st.ResourceGroup, st.Workspace, sub, rg, ws)
	if !rw.identity {
		for _, rec := range st.Incidents {
			rec.walk(func(v any) any {
				if s, ok := v.(string); ok {
					return rw.replace(s)
				}
				return v
			}, rw)
		}
	}
	st.Subscription, st.ResourceGroup, st.Workspace = sub, rg, ws
	st.index()
}

func loadState(file string) (*state, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var st state
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("decode %s: %w", file, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("%s has state version %d, want %d (run `socpilot demo reset`)", file, st.Version, stateVersion)
	}
	for i, rec := range st.Incidents {
		if rec == nil || rec.Incident == nil || rec.Incident.Properties == nil {
			return nil, fmt.Errorf("%s: incident %d is malformed", file, i)
		}
	}
	return &st, nil
}

// stamp identifies a version of the state file on disk.
type stamp struct {
	mod, size int64
	ino       uint64
}

// Several processes may serve the same demo workspace (every CLI command
// opens it; `socpilot emulator` keeps it open). Each operation therefore
// takes the state directory's lock (shared to read, exclusive to write),
// re-reads the state file when another process wrote it since, and a
// write persists before the lock is released: N concurrent writers lose
// nothing.

// lockWrite takes s.mu and the directory's exclusive lock, with the state
// fresh from disk. The returned func releases both.
func (s *Server) lockWrite() (func(), error) {
	s.mu.Lock()
	if s.opts.StateDir == "" {
		return s.mu.Unlock, nil
	}
	unlock, err := s.lockDir(true)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := s.refreshLocked(); err != nil {
		unlock()
		s.mu.Unlock()
		return nil, err
	}
	return func() { unlock(); s.mu.Unlock() }, nil
}

// lockRead takes s.mu for reading with the state fresh from disk. When the
// directory cannot be locked or read, it serves what this process holds:
// a read degrades to a stale one rather than failing.
func (s *Server) lockRead() (func(), error) {
	if s.opts.StateDir != "" {
		s.mu.Lock()
		if unlock, err := s.lockDir(false); err == nil {
			s.refreshLocked()
			unlock()
		}
		s.mu.Unlock()
	}
	s.mu.RLock()
	return s.mu.RUnlock, nil
}

func (s *Server) lockDir(exclusive bool) (func(), error) {
	if err := os.MkdirAll(s.opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	unlock, err := flockDir(s.opts.StateDir, exclusive)
	if err != nil {
		return nil, fmt.Errorf("lock the demo workspace state in %s: %w", s.opts.StateDir, err)
	}
	return unlock, nil
}

// refreshLocked re-reads the state file when it changed since this
// process last read or wrote it. s.mu must be held for writing.
func (s *Server) refreshLocked() error {
	file := filepath.Join(s.opts.StateDir, StateFile)
	fi, err := os.Stat(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil // nothing persisted yet: what we hold is the state
		}
		return fmt.Errorf("read emulator state: %w", err)
	}
	if fileStamp(fi) == s.disk {
		return nil
	}
	st, err := loadState(file)
	if err != nil {
		return fmt.Errorf("load emulator state from %s: %w", s.opts.StateDir, err)
	}
	st.rebase(s.opts.Subscription, s.opts.ResourceGroup, s.opts.Workspace)
	s.st = st
	s.disk = fileStamp(fi)
	return nil
}

// persistLocked writes the state to StateDir with a write-rename, so a crash
// leaves either the old or the new file. s.mu must be held.
func (s *Server) persistLocked() error {
	if s.opts.StateDir == "" {
		return nil
	}
	if err := os.MkdirAll(s.opts.StateDir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	b, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("encode emulator state: %w", err)
	}
	f, err := os.CreateTemp(s.opts.StateDir, StateFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("write emulator state: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp, filepath.Join(s.opts.StateDir, StateFile))
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write emulator state: %w", werr)
	}
	if fi, err := os.Stat(filepath.Join(s.opts.StateDir, StateFile)); err == nil {
		s.disk = fileStamp(fi)
	}
	return nil
}

// idSpace is the UUIDv5 namespace of ids the emulator derives.
var idSpace = uuid.MustParse("5f0c2a55-8f0e-4c5e-9a53-736f63706c74")

// deriveID returns a stable UUID for (parent, what, key).
func deriveID(parent, what, key string) string {
	return uuid.NewSHA1(idSpace, []byte(strings.ToLower(parent)+"\x00"+what+"\x00"+key)).String()
}
