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
// device, or a known app line.
func isTagline(l string) bool {
	l = strings.TrimSpace(strings.TrimRight(trimMarkup(normSpace(l)), ".!。"))
	if len(l) > maxTaglineLen || len(l) < 8 || !namesDeviceOrApp(l) {
		return false
	}
	if appTaglineRe.MatchString(l) {
		return true
	}
	m := deviceTaglineRe.FindStringSubmatch(l)
	if m == nil {
		return false
	}
	for _, dev := range m[1:] {
		if dev != "" {
			return len(strings.Fields(dev)) <= maxDeviceWords && deviceRe.MatchString(dev)
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

// namesDeviceOrApp is a cheap test that rules out almost every short line
// before the tagline expressions run: each tagline names a device
// (deviceRe) or a mail app.
func namesDeviceOrApp(l string) bool {
	l = strings.ToLower(l)
	for _, w := range taglineWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}
