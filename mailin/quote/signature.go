package quote

import (
	"regexp"
	"strings"
)

// isSigDelimiter reports the "-- " signature delimiter (RFC 3676 §4.3), also
// without its trailing space, which many clients and editors strip.
func isSigDelimiter(l string) bool {
	return strings.TrimRight(l, " \t") == "--"
}

// Mobile mail apps sign every message on their own ("Enviado do meu
// iPhone", "Sent from Outlook for Android" …). The tagline is noise in a
// ticket, but its words also start ordinary sentences ("Enviado do meu
// e-mail pessoal também"), so a line counts only when it is nothing but a
// tagline: a short device name that names a device, or a known app line.
var (
	deviceTaglineRe = regexp.MustCompile(`(?i)^(?:sent from my|enviad[oa] (?:do|de|desde) (?:meu|minha|mi)|von meinem|envoyé (?:de|depuis) mon|inviato dal mio)\s+(.+?)(?:\s+gesendet)?$`)
	deviceRe        = regexp.MustCompile(`(?i)iphone|ipad|android|samsung|galaxy|smartphone|blackberry|huawei|xiaomi|motorola|mobile|celular|telemóvel|tablet|phone|móvil|movil|handy|dispositivo`)
	appTaglineRe    = regexp.MustCompile(`(?i)^(?:` +
		`(?:sent from|enviad[oa] d[oe]|enviad[oa] desde|gesendet von|envoyé de|inviato da)\s+(?:outlook|yahoo mail|mail|e-mail|email|correo)\s+(?:for|para|für|pour|per|on|no|en|auf|sur|su)\s+(?:ios|android|iphone|ipad|windows(?:\s+\d+)?|mac)` +
		`|(?:get|obter o|obtenha o|obtener|descargar|holen sie sich|télécharger|scarica)\s+outlook\s+(?:for|para|für|pour|per)\s+(?:ios|android)` +
		`)$`)
)

// maxDeviceWords is the longest device name in a tagline, as in "Sent from
// my Verizon, Samsung Galaxy smartphone".
const maxDeviceWords = 4

// maxTaglineLen is longer than any tagline: longer lines are prose.
const maxTaglineLen = 64

func isTagline(l string) bool {
	l = strings.TrimRight(trimMarkup(l), ".!")
	if len(l) > maxTaglineLen || len(l) < 8 {
		return false
	}
	if appTaglineRe.MatchString(l) {
		return true
	}
	m := deviceTaglineRe.FindStringSubmatch(l)
	return m != nil && len(strings.Fields(m[1])) <= maxDeviceWords && deviceRe.MatchString(m[1])
}
