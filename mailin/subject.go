package mailin

import (
	"regexp"
	"strings"
)

// replyPrefixRE matches one reply or forward marker as mail clients in many
// languages write them: Re, RE, RES, Res, AW, WG, SV, VS, FW, Fwd, ENC, TR,
// RV, Antw, Odp, Ynt, with an optional counter (Re[2]: / Re(2):) and a
// full-width colon.
var replyPrefixRE = regexp.MustCompile(`(?i)^\s*(re|res|resp|aw|wg|sv|vs|fw|fwd|enc|tr|rv|antw|odp|ynt|r)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*`)

// forwardPrefixRE tells a forward from a reply by its first marker.
var forwardPrefixRE = regexp.MustCompile(`(?i)^\s*(fw|fwd|enc|wg|tr|rv)\s*[:：]`)

// tagRE matches a ticket tag like [SUP-1042] with any prefix and spacing.
var tagRE = regexp.MustCompile(`\[\s*([A-Za-z][A-Za-z0-9]{0,15})\s*-\s*(\d{1,18})\s*\]`)

// subjectTags returns the keys of the tags with our prefix in a subject, in
// order, upper-cased: what a customer's client sent back, in whatever case.
func subjectTags(subject, prefix string) []string {
	var keys []string
	for _, m := range tagRE.FindAllStringSubmatch(subject, 10) {
		if strings.EqualFold(m[1], prefix) {
			keys = append(keys, strings.ToUpper(prefix)+"-"+strings.TrimLeft(m[2], "0"))
		}
	}
	return keys
}

// cleanSubject makes the subject a new ticket is filed under: our tags and
// every chain of reply/forward markers removed, blanks collapsed.
func cleanSubject(subject, prefix string) string {
	s := tagRE.ReplaceAllStringFunc(subject, func(tag string) string {
		m := tagRE.FindStringSubmatch(tag)
		if strings.EqualFold(m[1], prefix) {
			return " "
		}
		return tag
	})
	s = strings.Join(strings.Fields(s), " ")
	for {
		loc := replyPrefixRE.FindStringIndex(s)
		if loc == nil {
			break
		}
		s = s[loc[1]:]
	}
	return strings.TrimSpace(s)
}

// isForward tells whether the sender forwarded the mail to us (Fwd:, ENC:,
// WG: …) rather than replied: the forwarded content of a new ticket is the
// request itself and is kept.
func isForward(subject, prefix string) bool {
	s := strings.TrimSpace(tagRE.ReplaceAllString(subject, ""))
	return forwardPrefixRE.MatchString(s)
}
