package socpilot

import "strings"

// Mentions reports whether text names name as a whole word, not as part of
// a longer name: "FS-CORP-01." at the end of a sentence counts,
// "FS-CORP-010" and "xFS-CORP-01" do not. It compares bytes as they are:
// lower-case both for a case-insensitive match.
func Mentions(text, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		if (j == 0 || !NameByte(text[j-1])) && (end == len(text) || !NameByte(text[end]) || text[end] == '.' && (end+1 == len(text) || !NameByte(text[end+1]))) {
			return true
		}
		i = j + 1
	}
}

// NameByte reports whether c can be part of an entity name (a host, an
// account, an address, a file name).
func NameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '@'
}
