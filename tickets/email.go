package tickets

import "strings"

// NormalizeEmail is the form in which the store keeps and compares email
// addresses: trimmed, with ASCII letters lower-cased and every other byte
// as written. Unicode case folding would make distinct mailboxes one
// ("ſam@example.com" folds to "sam@example.com", the Kelvin sign to "k"),
// letting one customer read another's tickets; RFC 5321 only ever treats
// ASCII case as insignificant, in the domain.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// SameEmail reports whether a and b name the same mailbox under
// NormalizeEmail.
func SameEmail(a, b string) bool {
	return NormalizeEmail(a) == NormalizeEmail(b)
}
