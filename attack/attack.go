// Package attack is an embedded catalog of MITRE ATT&CK Enterprise tactics and
// techniques, so socpilot can name, order and explain the tactics and techniques
// that Sentinel incidents carry without any network access.
//
// The data (techniques.txt, legacy.txt) was written for socpilot: ids and names
// follow ATT&CK v16 with a few v17 additions, and the descriptions are our own
// short summaries, not MITRE's text. Lookups are tolerant of the spellings that
// Sentinel and alert providers use ("CredentialAccess", "Credential Access",
// "credential-access"; "T1110.003", "t1110/003", "T1110.003: Password Spraying").
//
// Returned values are copies: callers may modify them freely.
package attack

import (
	"cmp"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed techniques.txt
var techniquesTxt string

//go:embed legacy.txt
var legacyTxt string

// Technique is one ATT&CK technique or sub-technique.
type Technique struct {
	// ID is "T1110" for a technique, "T1110.003" for a sub-technique.
	ID string
	// Name is ATT&CK's name; a sub-technique's name is its own part only
	// ("Password Spraying"); see FullName.
	Name string
	// Parent is the parent technique's ID for a sub-technique, "" otherwise.
	Parent string
	// Description is a one-line summary in our own words; may be empty for
	// sub-techniques whose name says it all.
	Description string
	// Tactics are the Enterprise tactic IDs the technique serves, in
	// kill-chain order.
	Tactics []string
}

// IsSub reports whether t is a sub-technique.
func (t Technique) IsSub() bool { return t.Parent != "" }

// FullName is the name as ATT&CK displays it, with the parent's name before a
// sub-technique's: "Brute Force: Password Spraying".
func (t Technique) FullName() string {
	if t.Parent == "" {
		return t.Name
	}
	c := load()
	if i, ok := c.byID[t.Parent]; ok {
		return c.techniques[i].Name + ": " + t.Name
	}
	return t.Name
}

// URL is the technique's page on the ATT&CK website.
func (t Technique) URL() string {
	return "https://attack.mitre.org/techniques/" + strings.Replace(t.ID, ".", "/", 1) + "/"
}

// catalog is the parsed, indexed data. It is built once and never modified.
type catalog struct {
	tactics    []Tactic          // all known tactics, Enterprise first in kill-chain order
	tacticByID map[string]int    // "TA0006" -> index in tactics
	tacticKey  map[string]int    // nameKey of names, enum spellings and aliases -> index
	techniques []Technique       // sorted by ID
	byID       map[string]int    // "T1110.003" -> index in techniques
	byName     map[string][]int  // lowercased name -> indexes
	subs       map[string][]int  // parent ID -> indexes of its sub-techniques
	ofTactic   map[string][]int  // tactic ID -> indexes of its techniques
	legacy     map[string]string // retired ID -> current ID
}

// load parses the embedded data once. The data is part of the binary and
// checked by the package tests, so a parse error is a programming error.
var load = sync.OnceValue(func() *catalog {
	c, err := parse(techniquesTxt, legacyTxt)
	if err != nil {
		panic("attack: embedded catalog: " + err.Error())
	}
	return c
})

func parse(techniques, legacy string) (*catalog, error) {
	c := &catalog{
		tacticByID: map[string]int{},
		tacticKey:  map[string]int{},
		byID:       map[string]int{},
		byName:     map[string][]int{},
		subs:       map[string][]int{},
		ofTactic:   map[string][]int{},
		legacy:     map[string]string{},
	}
	keyToID := map[string]string{}
	for i, d := range tacticDefs {
		c.tactics = append(c.tactics, d.Tactic)
		c.tacticByID[d.ID] = i
		c.tacticKey[nameKey(d.Name)] = i
		c.tacticKey[nameKey(d.SentinelName)] = i
		if d.key != "" {
			keyToID[d.key] = d.ID
		}
	}
	for alias, id := range tacticAliases {
		i, ok := c.tacticByID[id]
		if !ok {
			return nil, fmt.Errorf("alias %q names unknown tactic %s", alias, id)
		}
		c.tacticKey[alias] = i
	}

	for n, line := range strings.Split(techniques, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 4 {
			return nil, fmt.Errorf("techniques.txt line %d: want 4 fields, got %d", n+1, len(f))
		}
		t := Technique{ID: f[0], Name: f[1], Description: f[3]}
		if !isTechniqueID(t.ID) {
			return nil, fmt.Errorf("techniques.txt line %d: bad id %q", n+1, t.ID)
		}
		if _, dup := c.byID[t.ID]; dup {
			return nil, fmt.Errorf("techniques.txt line %d: duplicate id %s", n+1, t.ID)
		}
		if t.Name == "" {
			return nil, fmt.Errorf("techniques.txt line %d: %s has no name", n+1, t.ID)
		}
		if parent, _, ok := strings.Cut(t.ID, "."); ok {
			t.Parent = parent
		}
		for _, k := range strings.Split(f[2], ",") {
			if k = strings.TrimSpace(k); k == "" {
				continue
			}
			id, ok := keyToID[k]
			if !ok {
				return nil, fmt.Errorf("techniques.txt line %d: %s: unknown tactic key %q", n+1, t.ID, k)
			}
			t.Tactics = append(t.Tactics, id)
		}
		c.byID[t.ID] = len(c.techniques)
		c.techniques = append(c.techniques, t)
	}

	// A sub-technique takes its parent's tactics unless it lists its own; this
	// needs the parents, so it runs after the whole file is read.
	for i := range c.techniques {
		t := &c.techniques[i]
		if t.Parent == "" {
			continue
		}
		p, ok := c.byID[t.Parent]
		if !ok {
			return nil, fmt.Errorf("%s: parent %s is missing", t.ID, t.Parent)
		}
		if len(t.Tactics) == 0 {
			t.Tactics = slices.Clone(c.techniques[p].Tactics)
		}
	}
	for i := range c.techniques {
		t := &c.techniques[i]
		if len(t.Tactics) == 0 {
			return nil, fmt.Errorf("%s has no tactic", t.ID)
		}
		slices.SortFunc(t.Tactics, func(a, b string) int {
			return cmp.Compare(c.tactics[c.tacticByID[a]].Order, c.tactics[c.tacticByID[b]].Order)
		})
	}

	slices.SortFunc(c.techniques, func(a, b Technique) int { return cmp.Compare(a.ID, b.ID) })
	for i, t := range c.techniques {
		c.byID[t.ID] = i
		k := strings.ToLower(t.Name)
		c.byName[k] = append(c.byName[k], i)
		if t.Parent != "" {
			c.subs[t.Parent] = append(c.subs[t.Parent], i)
		}
		for _, ta := range t.Tactics {
			c.ofTactic[ta] = append(c.ofTactic[ta], i)
		}
	}

	for n, line := range strings.Split(legacy, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		old, cur, ok := strings.Cut(line, "|")
		if !ok || !isTechniqueID(old) {
			return nil, fmt.Errorf("legacy.txt line %d: want old|new, got %q", n+1, line)
		}
		if _, clash := c.byID[old]; clash {
			return nil, fmt.Errorf("legacy.txt line %d: %s is a current technique", n+1, old)
		}
		if _, ok := c.byID[cur]; !ok {
			return nil, fmt.Errorf("legacy.txt line %d: %s maps to unknown technique %s", n+1, old, cur)
		}
		c.legacy[old] = cur
	}
	return c, nil
}

// Tactics returns the 14 Enterprise tactics in kill-chain order.
func Tactics() []Tactic {
	c := load()
	out := make([]Tactic, 0, 14)
	for _, t := range c.tactics {
		if t.Enterprise() {
			out = append(out, t)
		}
	}
	return out
}

// TacticByID finds a tactic by its ATT&CK id, such as "TA0006" (case and
// surrounding space ignored). The ICS tactics of Sentinel's enum (TA0106,
// TA0107) are found too.
func TacticByID(id string) (Tactic, bool) {
	c := load()
	id = strings.TrimSpace(id)
	if len(id) != 6 {
		return Tactic{}, false
	}
	if i, ok := c.tacticByID[strings.ToUpper(id)]; ok {
		return c.tactics[i], true
	}
	return Tactic{}, false
}

// TacticByName finds a tactic by name in any of the usual spellings, ignoring
// case, spaces and punctuation: ATT&CK's "Credential Access", Sentinel's
// "CredentialAccess", STIX's "credential-access", and a few common shorthands
// ("C2", "Command & Control"). Sentinel's PreAttack, a leftover of the retired
// PRE-ATT&CK matrix, resolves to Reconnaissance.
func TacticByName(name string) (Tactic, bool) {
	c := load()
	var buf [64]byte
	// Indexing with string(bytes) does not allocate.
	if i, ok := c.tacticKey[string(appendNameKey(buf[:0], name))]; ok {
		return c.tactics[i], true
	}
	return Tactic{}, false
}

// LookupTactic finds a tactic given its id or any name TacticByName accepts.
// As a last resort it forgives one typo (a missing, extra, wrong or swapped
// letter) in a name of eight letters or more when that points at exactly one
// tactic, because hand-written analytics rules carry values such as
// "InitialAcces".
func LookupTactic(s string) (Tactic, bool) {
	if t, ok := TacticByID(s); ok {
		return t, true
	}
	if t, ok := TacticByName(s); ok {
		return t, true
	}
	k := nameKey(s)
	if len(k) < 8 {
		return Tactic{}, false
	}
	c := load()
	found := -1
	for key, i := range c.tacticKey {
		if len(key) < 8 || !withinOneEdit(k, key) {
			continue
		}
		if found >= 0 && found != i {
			return Tactic{}, false // ambiguous
		}
		found = i
	}
	if found < 0 {
		return Tactic{}, false
	}
	return c.tactics[found], true
}

// Techniques returns every technique and sub-technique, sorted by id.
func Techniques() []Technique {
	c := load()
	out := make([]Technique, len(c.techniques))
	for i, t := range c.techniques {
		out[i] = clone(t)
	}
	return out
}

// TechniqueByID finds a technique by id in any spelling Normalize accepts. An id
// retired when ATT&CK introduced sub-techniques (such as T1086, PowerShell)
// resolves to the technique that replaced it (T1059.001); the returned ID is
// then the current one.
func TechniqueByID(id string) (Technique, bool) {
	c := load()
	n := Normalize(id)
	if n == "" {
		return Technique{}, false
	}
	i, ok := c.byID[n]
	if !ok {
		cur, retired := c.legacy[n]
		if !retired {
			return Technique{}, false
		}
		i = c.byID[cur]
	}
	return clone(c.techniques[i]), true
}

// Successor reports the current technique id that replaced a retired one, such
// as "T1059.001" for "T1086". It is false for current and unknown ids.
func Successor(id string) (string, bool) {
	cur, ok := load().legacy[Normalize(id)]
	return cur, ok
}

// TechniqueByName finds techniques by name, ignoring case and extra spaces.
// Several may share a name ("Domain Account" is both T1087.002 and T1136.002),
// so all are returned, sorted by id. A qualified sub-technique name,
// "Brute Force: Password Spraying", selects the one under that parent.
func TechniqueByName(name string) ([]Technique, bool) {
	c := load()
	name = strings.ToLower(strings.Join(strings.Fields(name), " "))
	var out []Technique
	for _, i := range c.byName[name] {
		out = append(out, clone(c.techniques[i]))
	}
	if len(out) == 0 {
		// Only a colon followed by a space separates parent from sub-technique;
		// names such as "Search Open Websites/Domains" hold other punctuation.
		if parent, sub, ok := strings.Cut(name, ": "); ok {
			for _, pi := range c.byName[strings.TrimSpace(parent)] {
				for _, si := range c.subs[c.techniques[pi].ID] {
					if strings.EqualFold(c.techniques[si].Name, strings.TrimSpace(sub)) {
						out = append(out, clone(c.techniques[si]))
					}
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Technique) int { return cmp.Compare(a.ID, b.ID) })
	return out, len(out) > 0
}

// SubTechniques returns the sub-techniques of a technique, sorted by id; none
// for an unknown id or a technique without any.
func SubTechniques(parentID string) []Technique {
	c := load()
	var out []Technique
	for _, i := range c.subs[Normalize(parentID)] {
		out = append(out, clone(c.techniques[i]))
	}
	return out
}

// TechniquesOfTactic returns the techniques and sub-techniques that serve a
// tactic, sorted by id. The tactic may be given in any form LookupTactic
// accepts; an unknown tactic, or one outside the Enterprise matrix, has none.
func TechniquesOfTactic(tacticID string) []Technique {
	t, ok := LookupTactic(tacticID)
	if !ok {
		return nil
	}
	c := load()
	idx := c.ofTactic[t.ID]
	out := make([]Technique, len(idx))
	for j, i := range idx {
		out[j] = clone(c.techniques[i])
	}
	return out
}

func clone(t Technique) Technique {
	t.Tactics = slices.Clone(t.Tactics)
	return t
}

// nameKey reduces a tactic name to lowercase letters and digits, so that
// "Credential Access", "CredentialAccess" and "credential-access" meet.
func nameKey(s string) string { return string(appendNameKey(nil, s)) }

func appendNameKey(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9':
			dst = append(dst, b)
		case b >= 'A' && b <= 'Z':
			dst = append(dst, b+'a'-'A')
		}
	}
	return dst
}

// withinOneEdit reports whether a and b differ by at most one inserted,
// deleted or substituted byte, or one swap of adjacent bytes.
func withinOneEdit(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	switch len(a) - len(b) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if i == len(a) {
			return true
		}
		if a[i+1:] == b[i+1:] { // substitution
			return true
		}
		// adjacent swap
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := 0
		for i < len(b) && a[i] == b[i] {
			i++
		}
		return a[i+1:] == b[i:]
	}
	return false
}
