package mailin

import (
	"regexp"
	"strings"
	"unicode"
)

// maxReasonLen bounds a redacted reason: enough to say what failed, too
// short to carry a credential dump.
const maxReasonLen = 120

var (
	// queryString is a URL's query: client_secret, refresh_token and
	// code travel there.
	queryString = regexp.MustCompile(`\?[^\s"']*`)
	// keyValue is key=value or key: value where the key names a secret.
	keyValue = regexp.MustCompile(`(?i)\b([a-z0-9_.-]*(?:secret|token|password|passwd|pwd|key|auth|code|assertion|credential|bearer)[a-z0-9_.-]*"?)(\s*[=:]\s*)(?:bearer\s+|basic\s+)?("[^"]*"|'[^']*'|[^\s&,;]+)`)
	// anyKeyValue is any other key=value, e.g. a form body.
	anyKeyValue = regexp.MustCompile(`\b([A-Za-z0-9_.-]+)=("[^"]*"|'[^']*'|[^\s&,;]+)`)
	// bearerWord is "Bearer xyz".
	bearerWord = regexp.MustCompile(`(?i)\bbearer\s+\S+`)
	// jwt is a JSON Web Token (an id or access token).
	jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]*`)
	// opaque is a run of base64/hex characters; opaqueSecret says which
	// of them look like a token or key.
	opaque = regexp.MustCompile(`[A-Za-z0-9+/_\-~]{20,}={0,2}`)
)

// redactReason turns a command's stderr into a short reason that may be
// logged and shown on /healthz: its first non-empty line, with query
// strings, key=value pairs, bearer tokens and long opaque strings replaced
// by "…", control characters removed, and cut to maxReasonLen. A token
// command that fails often prints the request it made, secrets included
// (curl: (22) https://…/token?client_secret=…); none of that may leave the
// process.
func redactReason(stderr string) string {
	line := ""
	for l := range strings.Lines(stderr) {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	line = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, line)
	line = queryString.ReplaceAllString(line, "?…")
	line = bearerWord.ReplaceAllString(line, "Bearer …")
	line = keyValue.ReplaceAllString(line, "$1$2…")
	line = anyKeyValue.ReplaceAllString(line, "$1=…")
	line = jwt.ReplaceAllString(line, "…")
	line = opaque.ReplaceAllStringFunc(line, func(s string) string {
		if opaqueSecret(s) {
			return "…"
		}
		return s
	})
	if len(line) > maxReasonLen {
		cut := maxReasonLen
		for cut > 0 && line[cut]&0xC0 == 0x80 {
			cut--
		}
		line = line[:cut] + "…"
	}
	return line
}

// opaqueSecret: a long run of base64 characters that mixes letters and
// digits (words and paths rarely do), or is very long.
func opaqueSecret(s string) bool {
	if len(s) >= 32 {
		return true
	}
	return strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, unicode.IsLetter) >= 0
}
