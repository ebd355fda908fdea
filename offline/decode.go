package offline

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/netip"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// Decoded is a command line with its hidden payloads decoded offline and
// the indicators pulled out of everything it carries. The decoded text is
// attacker-controlled data: it is shown fenced, never obeyed.
type Decoded = socpilot.DecodedCommand

var (
	encFlagRe  = prefilter.MustCompile(`(?i)(?:^|\s)[-/](?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+["']?([A-Za-z0-9+/=]{8,})`)
	b64CallRe  = prefilter.MustCompile(`(?i)frombase64string\(\s*["']([A-Za-z0-9+/=\s]{8,})["']`)
	compressRe = prefilter.MustCompile(`(?i)(gzipstream|deflatestream|io\.compression)`)
	urlRe      = prefilter.MustCompile(`(?i)\b(?:https?|ftp|wss?)://[^\s"'<>()\]\[{}|\\^` + "`" + `]+`)
	ipRe       = prefilter.MustCompile(`\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b`)
	domainRe   = prefilter.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|ru|cn|info|biz|xyz|top|site|online|club|app|dev|cloud|live|me|co|us|uk|de|nl|su|pw|tk|ml|ga|cf|gq|onion|link|click|shop|store|ws|cc|tv|in|eu|ly|to|sh|gg)\b`)
	fileRe     = prefilter.MustCompile(`(?i)[\w.-]+\.(?:exe|dll|ps1|psm1|bat|cmd|vbs|js|jse|hta|scr|msi|lnk|iso|zip|rar|7z|xlsm|docm|jar|py|sh|elf|bin)\b`)
)

// DecodeCommandLine decodes -EncodedCommand (base64 UTF-16LE), every
// FromBase64String payload and gzip/deflate wrappers, to a bounded depth,
// and extracts URLs, IPs, domains and file names from all layers.
func DecodeCommandLine(cmd string) Decoded {
	d := Decoded{CommandLine: cmd}
	texts := []string{cmd}
	cur := []string{cmd}
	for depth := 0; depth < 4 && len(cur) > 0; depth++ {
		var next []string
		for _, t := range cur {
			for _, m := range encFlagRe.FindAllStringSubmatch(t, -1) {
				if s, ok := decodeB64Text(m[1], true); ok {
					next = append(next, s)
				}
			}
			for _, m := range b64CallRe.FindAllStringSubmatch(t, -1) {
				raw := strings.Join(strings.Fields(m[1]), "")
				b, err := base64.StdEncoding.DecodeString(padB64(raw))
				if err != nil {
					continue
				}
				if compressRe.MatchString(t) || looksCompressed(b) {
					if s, ok := inflate(b); ok {
						next = append(next, s)
						continue
					}
				}
				if s, ok := bytesText(b); ok {
					next = append(next, s)
				}
			}
		}
		d.Layers = append(d.Layers, next...)
		texts = append(texts, next...)
		cur = next
	}
	seen := map[string]bool{}
	addTo := func(list *[]string, v string) {
		v = strings.TrimRight(v, ".,;:'\")")
		if v != "" && !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			*list = append(*list, v)
		}
	}
	for _, t := range texts {
		for _, u := range urlRe.FindAllString(t, -1) {
			addTo(&d.URLs, u)
		}
		for _, ip := range ipRe.FindAllString(t, -1) {
			if _, err := netip.ParseAddr(ip); err == nil {
				addTo(&d.IPs, ip)
			}
		}
		stripped := urlRe.ReplaceAllString(t, " ")
		for _, u := range d.URLs {
			if h := urlHost(u); h != "" && !ipRe.MatchString(h) {
				addTo(&d.Domains, h)
			}
		}
		for _, dm := range domainRe.FindAllString(stripped, -1) {
			if !fileRe.MatchString(dm) {
				addTo(&d.Domains, strings.ToLower(dm))
			}
		}
		for _, fn := range fileRe.FindAllString(t, -1) {
			addTo(&d.Files, fn)
		}
	}
	sort.Strings(d.Files)
	return d
}

func padB64(s string) string {
	if m := len(s) % 4; m != 0 {
		s += strings.Repeat("=", 4-m)
	}
	return s
}

// decodeB64Text decodes base64 that PowerShell's -EncodedCommand carries:
// UTF-16LE text.
func decodeB64Text(s string, utf16le bool) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(padB64(strings.TrimRight(s, "=") + strings.Repeat("=", 0)))
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return "", false
		}
	}
	if utf16le && len(b) >= 2 && len(b)%2 == 0 {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		s := string(utf16.Decode(u))
		if printable(s) {
			return s, true
		}
	}
	return bytesText(b)
}

func bytesText(b []byte) (string, bool) {
	if len(b) >= 2 && b[1] == 0 && len(b)%2 == 0 {
		if s, ok := decodeUTF16(b); ok {
			return s, true
		}
	}
	if utf8.Valid(b) && printable(string(b)) {
		return string(b), true
	}
	return "", false
}

func decodeUTF16(b []byte) (string, bool) {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	s := string(utf16.Decode(u))
	return s, printable(s)
}

func looksCompressed(b []byte) bool { return len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b }

func inflate(b []byte) (string, bool) {
	var r io.Reader
	if looksCompressed(b) {
		g, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return "", false
		}
		r = g
	} else {
		r = flate.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil && len(out) == 0 {
		return "", false
	}
	return bytesText(out)
}

// printable: mostly text, as a script is.
func printable(s string) bool {
	if s == "" {
		return false
	}
	bad := 0
	n := 0
	for _, r := range s {
		n++
		if r == utf8.RuneError || (r < 0x20 && r != '\n' && r != '\r' && r != '\t') {
			bad++
		}
	}
	return bad*20 < n
}
