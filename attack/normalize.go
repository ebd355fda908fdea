package attack

import "strings"

// Normalize tidies a technique id the way Sentinel, alert providers and analysts
// write it into ATT&CK's canonical form, or returns "" when s is not one.
//
// Accepted: any case ("t1110"); surrounding space; a missing "T" ("1110.003");
// "/", "_", "-" or ":" in place of the dot ("T1110/003", the form of ATT&CK URLs);
// an unpadded sub-technique number ("T1110.3"); a trailing name after a space or
// colon ("T1110.003: Password Spraying", "T1110 - Brute Force"); and a whole
// ATT&CK technique URL. Normalize does not check that the id exists.
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	if isTechniqueID(s) {
		return s // already canonical: the common case, without allocating
	}
	if i := strings.Index(strings.ToLower(s), "/techniques/"); i >= 0 {
		s = strings.TrimSuffix(s[i+len("/techniques/"):], "/")
	}
	if s != "" && (s[0] == 'T' || s[0] == 't') {
		s = s[1:]
	}
	if len(s) < 4 || !allDigits(s[:4]) {
		return ""
	}
	var id [9]byte
	id[0] = 'T'
	copy(id[1:5], s[:4])
	size := 5
	rest := s[4:]
	if len(rest) >= 2 && strings.IndexByte("./_-:", rest[0]) >= 0 && isDigit(rest[1]) {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		sub := rest[1:n]
		if len(sub) > 3 {
			return ""
		}
		id[5], id[6], id[7], id[8] = '.', '0', '0', '0'
		copy(id[9-len(sub):], sub)
		size = 9
		rest = rest[n:]
	}
	// Whatever follows must not continue the id ("T11100", "T1110x").
	if rest != "" && (isDigit(rest[0]) || isLetter(rest[0]) || rest[0] == '.') {
		return ""
	}
	return string(id[:size])
}

// isTechniqueID reports whether s is a canonical id: ^T\d{4}(\.\d{3})?$.
func isTechniqueID(s string) bool {
	switch len(s) {
	case 5:
		return s[0] == 'T' && allDigits(s[1:])
	case 9:
		return s[0] == 'T' && allDigits(s[1:5]) && s[5] == '.' && allDigits(s[6:])
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
