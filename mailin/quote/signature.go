package quote

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// isSigDelimiter reports the "-- " signature delimiter (RFC 3676 §4.3), also
// without its trailing space, which many clients and editors strip.
func isSigDelimiter(l string) bool {
	return strings.TrimRight(l, " \t") == "--"
}

// isTagline reports a mobile tagline ("Enviado do meu iPhone", "Sent from
// Outlook for Android", tagline_langs.go). Its words also start ordinary
// sentences ("Enviado do meu e-mail pessoal também"), so a line counts only
// when it is nothing but a tagline: a short device name that names a
// device, or a known app line. Plain string tests first: this runs for
// every short line.
func isTagline(l string) bool {
	if len(l) > maxTaglineRunes && utf8.RuneCountInString(l) > maxTaglineRunes && !strings.Contains(l, "http") && !strings.Contains(l, "lackBerry") && !strings.Contains(l, "lackberry") && !strings.Contains(l, "LACKBERRY") {
		return false // prose: the cheap answer for most lines of a message
	}
	l = strings.TrimSpace(strings.TrimRight(trimMarkup(dropLink(trimMarkup(normSpace(l)))), ".!。"))
	if len(l) > maxTaglineLen || len(l) < 8 {
		return false
	}
	// Every line of a message comes here: compare in place (EqualFold)
	// and lower-case only the device's name, not the line.
	for _, f := range deviceTaglines {
		if len(l) <= len(f.before)+len(f.after) || !hasPrefixFold(l, f.before) || !hasSuffixFold(l, f.after) {
			continue
		}
		device := strings.ToLower(l[len(f.before) : len(l)-len(f.after)])
		words := maxDeviceWords
		if strings.Contains(device, "blackberry") {
			// BlackBerry's carrier taglines: "… BlackBerry device on
			// the Bell network", "… oficina móvil BlackBerry® de Telcel".
			words = maxCarrierWords
		}
		if len(strings.Fields(device)) <= words && containsAny(device, deviceWords) {
			return true
		}
	}
	return mayBeAppTagline(l) && (appTaglineLines[strings.ToLower(l)] || appTaglineRe.MatchString(l))
}

// mayBeAppTagline: the line names one of appWords, the words every app
// tagline has; the regexp is too slow to ask of every line.
func mayBeAppTagline(l string) bool {
	var buf [maxTaglineLen]byte
	low := buf[:len(l)]
	for i := 0; i < len(l); i++ {
		c := l[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	for _, w := range appWords {
		if bytes.Contains(low, []byte(w)) {
			return true
		}
	}
	// appWords' Cyrillic ones, capitalised.
	return strings.Contains(l, "Почт") || strings.Contains(l, "Пошт")
}

// hasPrefixFold is strings.HasPrefix ignoring case; prefix is lower case.
// The first byte of an ASCII prefix is compared before anything else.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	if len(prefix) > 0 && prefix[0] < 0x80 && s[0]|0x20 != prefix[0]|0x20 {
		return false
	}
	return strings.EqualFold(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// maxTaglineRunes is longer than any tagline without its link, in
// characters (the longest, "Sent from my Verizon, Samsung Galaxy
// smartphone" and its Russian form, have under 50), but BlackBerry's
// carrier taglines.
const maxTaglineRunes = 64

// maxDeviceWords is the longest device name in a tagline, as in "Sent from
// my Verizon, Samsung Galaxy smartphone".
const maxDeviceWords = 4

// maxCarrierWords is the same for BlackBerry taglines, which name the
// carrier's network too.
const maxCarrierWords = 8

// maxTaglineLen is longer than any tagline: longer lines are prose (in
// bytes: Cyrillic taglines take twice as many as letters).
const maxTaglineLen = 96

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// dropLink removes the links mail apps put into their tagline: after it,
// "Get Outlook for iOS<https://aka.ms/o0ukef>" in plain text and "… (https://…)"
// in text made from HTML, or inside it, as Windows Mail's
// "Enviado do Email<https://go.microsoft.com/…> para Windows".
func dropLink(l string) string {
	for _, br := range [...]struct{ open, close string }{{"<", ">"}, {"(", ")"}, {"[", "]"}} {
		for n := 0; n < 3; n++ {
			i := strings.Index(l, br.open+"http")
			if i <= 0 {
				break
			}
			j := strings.Index(l[i:], br.close)
			if j < 0 {
				break
			}
			u := l[i+1 : i+j]
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				break
			}
			l = strings.TrimRight(l[:i], " \t") + " " + strings.TrimLeft(l[i+j+1:], " \t")
		}
	}
	return strings.TrimSpace(l)
}
