package quote

import "strings"

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
	l = strings.TrimSpace(strings.TrimRight(trimMarkup(dropLink(trimMarkup(normSpace(l)))), ".!。"))
	if len(l) > maxTaglineLen || len(l) < 8 {
		return false
	}
	lower := strings.ToLower(l)
	if containsAny(lower, appWords) && appTaglineRe.MatchString(l) {
		return true
	}
	for _, f := range deviceTaglines {
		if len(lower) <= len(f.before)+len(f.after) || !strings.HasPrefix(lower, f.before) || !strings.HasSuffix(lower, f.after) {
			continue
		}
		device := lower[len(f.before) : len(lower)-len(f.after)]
		if len(strings.Fields(device)) <= maxDeviceWords && containsAny(device, deviceWords) {
			return true
		}
	}
	return false
}

// maxDeviceWords is the longest device name in a tagline, as in "Sent from
// my Verizon, Samsung Galaxy smartphone".
const maxDeviceWords = 4

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
