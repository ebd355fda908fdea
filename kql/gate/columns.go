package gate

import (
	"slices"
	"strings"
	"unicode"

	"github.com/socpilot/socpilot/kql/schema"
)

// columnClass is what a column tells an analyst, in the order a prompt
// lists them: when it happened, who, where from and to, which process,
// which file, and what came of it.
type columnClass int

const (
	classTime columnClass = iota
	classIdentity
	classNetwork
	classProcess
	classFile
	classResult
	classOther
	classSystem // billing and plumbing: never listed
)

// classWords give the class of a column by its head word (the last word of
// its CamelCase name that is not a generic suffix such as Name or Id), with
// how strongly the word says it: 0 is the column analysts reach for first.
// These are naming rules shared by the Log Analytics, Defender XDR and CEF
// schemas, not lists of any one table's columns.
var classWords = map[string]struct {
	class    columnClass
	strength int
}{
	"upn": {classIdentity, 0}, "principal": {classIdentity, 0},
	"account": {classIdentity, 1}, "user": {classIdentity, 1}, "caller": {classIdentity, 1}, "actor": {classIdentity, 1},
	"sid": {classIdentity, 2}, "mailbox": {classIdentity, 1}, "recipient": {classIdentity, 1}, "sender": {classIdentity, 1},
	"identity": {classIdentity, 3}, "owner": {classIdentity, 2}, "by": {classIdentity, 1}, "upnsuffix": {classIdentity, 2}, "email": {classIdentity, 1},

	"ip": {classNetwork, 0}, "ipv4": {classNetwork, 0}, "ipv6": {classNetwork, 1}, "address": {classNetwork, 1}, "addresses": {classNetwork, 1},
	"url": {classNetwork, 0}, "uri": {classNetwork, 0}, "host": {classNetwork, 0}, "computer": {classNetwork, 0}, "device": {classNetwork, 0},
	"port": {classNetwork, 1}, "domain": {classNetwork, 2}, "location": {classNetwork, 1}, "country": {classNetwork, 2},
	"protocol": {classNetwork, 2}, "dns": {classNetwork, 1}, "hostname": {classNetwork, 0}, "fqdn": {classNetwork, 0},

	"commandline": {classProcess, 0}, "command": {classProcess, 0}, "process": {classProcess, 1}, "parent": {classProcess, 1},
	"image": {classProcess, 1}, "cmdline": {classProcess, 0},

	"file": {classFile, 0}, "folder": {classFile, 0}, "path": {classFile, 0}, "sha256": {classFile, 0}, "sha1": {classFile, 1},
	"md5": {classFile, 1}, "hash": {classFile, 0}, "share": {classFile, 2},

	"result": {classResult, 0}, "status": {classResult, 1}, "action": {classResult, 0}, "operation": {classResult, 1},
	"activity": {classResult, 1}, "outcome": {classResult, 0}, "logon": {classResult, 1}, "eventid": {classResult, 0},
	"failure": {classResult, 1}, "error": {classResult, 1}, "severity": {classResult, 2}, "risk": {classResult, 1},
	"disposition": {classResult, 1}, "reason": {classResult, 1},
}

// genericWords carry no meaning of their own: AccountName is about the
// account, ResultType about the result, MailboxGuid about the mailbox.
var genericWords = map[string]bool{"name": true, "id": true, "value": true, "type": true, "details": true, "detail": true,
	"info": true, "display": true, "string": true, "guid": true, "object": true,
	"s": true, "d": true, "b": true, "g": true, "t": true}

// endpointWords qualify a network column as one end of a connection
// (SourceIP, RemoteUrl): what a hunt pivots on, before the reporting
// device's own address.
var endpointWords = map[string]bool{"source": true, "destination": true, "remote": true, "local": true, "client": true, "src": true, "dst": true}

// secondaryWords qualify a column as about something other than the actor
// (ServicePrincipalName, OriginalRequestId, HomeTenantName).
var secondaryWords = map[string]bool{"service": true, "original": true, "previous": true, "alternate": true, "home": true,
	"global": true, "incoming": true, "cross": true, "federated": true, "translated": true, "mac": true, "session": true}

// subjectWords name what an event is about without being one of the
// analyst classes (AppDisplayName, ResourceId, SubscriptionId): listed
// after the classes, but before columns of no meaning to a hunt.
var subjectWords = map[string]bool{"app": true, "application": true, "resource": true, "subscription": true, "subject": true, "target": true,
	"resources": true, "parameters": true, "query": true, "agent": true, "name": true}

// systemColumns are the Log Analytics plumbing every table carries; the
// columns starting with _ (_BilledSize, _IsBillable, _ItemId, ...) are
// system columns too, except _ResourceId, which analysts join on.
var systemColumns = map[string]bool{"TenantId": true, "SourceSystem": true, "Type": true, "MG": true, "ManagementGroupName": true,
	"AADTenantId": true, "HomeTenantId": true, "ResourceTenantId": true, "AppOwnerTenantId": true}

// noisyWords mark generated or vendor-extension columns (DeviceCustomString1Label,
// InitiatingProcessVersionInfoCompanyName, AdditionalExtensions) that a
// hunting query rarely needs.
var noisyWords = map[string]bool{"custom": true, "label": true, "version": true, "additional": true, "extensions": true, "extended": true}

// otherPenalty puts columns of no analyst class behind the classed ones
// of the same length.
const otherPenalty = 2

// ranked is a column with the rank the rules gave it.
type ranked struct {
	name    string
	class   columnClass
	penalty int // lower first within its class
	words   int // shorter names first among equals
	pos     int // schema position, the last tie-breaker
}

// rankColumn classifies a column by its type and the words of its name.
func rankColumn(c schema.Column, pos int) ranked {
	r := ranked{name: c.Name, class: classOther, pos: pos}
	lname := strings.ToLower(c.Name)
	if systemColumns[c.Name] || strings.HasPrefix(c.Name, "_") && c.Name != "_ResourceId" ||
		strings.Contains(lname, "billable") || strings.Contains(lname, "billed") {
		r.class = classSystem
		return r
	}
	words := splitWords(c.Name)
	r.words = len(words)
	lw := make([]string, len(words))
	for i, w := range words {
		lw[i] = strings.ToLower(w)
	}
	extra := 0 // words beyond two; CommandLine counts as one
	if strings.HasSuffix(lname, "commandline") {
		extra--
	}
	endpoint, secondary, isIP := false, false, false
	for _, w := range lw {
		extra++
		if w == "ip" || w == "ipv4" || w == "ipv6" || strings.HasSuffix(w, "ip") && len(w) <= 8 {
			isIP = true
		}
		switch {
		case endpointWords[w]:
			endpoint = true
		case noisyWords[w]:
			r.penalty += 3
		case secondaryWords[w]:
			secondary = true
		case w == "display":
			// A display name is what a person reads, not what a query matches.
			r.penalty++
		}
	}
	r.penalty += max(0, extra-2)
	if secondary {
		r.penalty++
	}
	if last := lname[len(lname)-1]; last >= '0' && last <= '9' && !hasAnySuffix(lname, "sha256", "sha1", "md5", "ipv4", "ipv6") {
		// Numbered slots (DeviceCustomNumber1, AdditionalInfo2) are generic.
		r.penalty += 3
	}
	if c.Type == schema.Datetime {
		r.class = classTime
		// TimeGenerated is every Log Analytics table's time, the Defender
		// tables' Timestamp included; other times are properties of the event.
		if c.Name != "TimeGenerated" {
			r.penalty += 3
		}
		return r
	}
	if hasAnySuffix(lname, "id", "guid") && lname != "eventid" {
		// An object id is a GUID nobody reads; EventID is a head word.
		r.penalty++
	}
	// CommandLine and EventID read as one word.
	for _, whole := range []string{"commandline", "eventid"} {
		if strings.HasSuffix(lname, whole) {
			cw := classWords[whole]
			r.class, r.penalty = cw.class, r.penalty+cw.strength
			return r
		}
	}
	for i := len(lw) - 1; i >= 0; i-- {
		if genericWords[lw[i]] {
			continue
		}
		cw, ok := classWords[lw[i]]
		if !ok {
			// A head word of no class (AppDisplayName, Parameters): the
			// column is about something else.
			break
		}
		r.class, r.penalty = cw.class, r.penalty+cw.strength
		if cw.class == classNetwork && isIP && lw[i] == "address" {
			r.penalty-- // IPAddress is an IP
		}
		if cw.class == classNetwork && endpoint {
			r.penalty--
		}
		if (cw.class == classIdentity || cw.class == classNetwork) && lw[len(lw)-1] == "type" {
			r.penalty += 2 // UserType, RemoteIPType: a category, not the thing
		}
		// An address qualified by a person is a mail address, not a network
		// one (SenderFromAddress, RecipientEmailAddress).
		if lw[i] == "address" && !slices.ContainsFunc(lw[:i], func(w string) bool { return w == "ip" || w == "ipv4" || w == "ipv6" }) &&
			slices.ContainsFunc(lw[:i], isIdentityWord) {
			r.class = classIdentity
			r.penalty -= cw.strength // a mail address is the identifier itself
		}
		return r
	}
	if !subjectWords[headWord(lw)] {
		r.penalty += otherPenalty
	}
	return r
}

// headWord is the last word that is not generic, or the last word.
func headWord(lw []string) string {
	for i := len(lw) - 1; i >= 0; i-- {
		if !genericWords[lw[i]] {
			return lw[i]
		}
	}
	if len(lw) == 0 {
		return ""
	}
	return lw[len(lw)-1]
}

func isIdentityWord(w string) bool {
	cw, ok := classWords[w]
	return ok && cw.class == classIdentity
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// splitWords splits a column name into its words: CamelCase with acronyms
// (IPAddress → IP Address, SHA256 → SHA256), underscores and dots.
func splitWords(name string) []string {
	var words []string
	rs := []rune(name)
	start := 0
	flush := func(end int) {
		if end > start {
			words = append(words, string(rs[start:end]))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '_' || r == '.' || r == '-' {
			flush(i)
			start = i + 1
			continue
		}
		if i == start {
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush(i) // userName → user Name
		case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			flush(i) // IPAddress → IP Address
		case unicode.IsUpper(r) && unicode.IsDigit(prev):
			flush(i) // String1Label → String1 Label
		}
	}
	flush(len(rs))
	return words
}

// perClass is how many of each class's best columns a table always lists,
// whatever its bound: both ends of a connection and its host need more
// than one column; of time only TimeGenerated is essential.
var perClass = map[columnClass]int{classTime: 1, classIdentity: 2, classNetwork: 3, classProcess: 2, classFile: 2, classResult: 2}

// essentialPenalty is the worst penalty a column may have and still be
// kept whatever the bound: a long, qualified name is never essential.
const essentialPenalty = 1

// DefaultColumns bounds the columns listed per table beyond the ones that
// are always kept.
const DefaultColumns = 10

// promptColumns picks a table's columns for a prompt: the best perClass
// columns of each analyst class always, then the best of the rest up to
// limit, never system columns; listed class by class (time, identity,
// network, process, file, result, other), best first.
func promptColumns(t *schema.Table, limit int) []string {
	rs := make([]ranked, 0, len(t.Columns))
	for i, c := range t.Columns {
		if r := rankColumn(c, i); r.class != classSystem {
			rs = append(rs, r)
		}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		if a.class != b.class {
			return int(a.class) - int(b.class)
		}
		if a.penalty != b.penalty {
			return a.penalty - b.penalty
		}
		if a.words != b.words {
			return a.words - b.words
		}
		return a.pos - b.pos
	})
	keep := make([]bool, len(rs))
	n := 0
	taken := map[columnClass]int{}
	for i, r := range rs {
		if r.penalty <= essentialPenalty && taken[r.class] < perClass[r.class] {
			taken[r.class]++
			keep[i] = true
			n++
		}
	}
	// Fill up to the bound with the lowest penalties across classes.
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rs[a].penalty - rs[b].penalty })
	for _, i := range order {
		if n >= limit {
			break
		}
		if !keep[i] {
			keep[i] = true
			n++
		}
	}
	var out []string
	for i, r := range rs {
		if keep[i] {
			out = append(out, r.name)
		}
	}
	return out
}
