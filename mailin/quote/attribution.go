package quote

import (
	"regexp"
	"strings"
)

// Reply attributions ("On <date>, X wrote:", "Em <data>, X escreveu:",
// "Citando X:" …) introduce quoted history. Nobody typed them, so they must
// go with the quote; but "escreveu:" also ends ordinary sentences ("O técnico
// escreveu:"), so shape alone is not proof. An attribution is removed when a
// ">" quote (or the end of the text) follows it, and it cuts the rest of the
// text only when it also carries a time of day after its opening words, or
// an address, i.e. when it cannot be the sender's own sentence.

// attributionEndRe matches the verb that ends an attribution in en, pt, es,
// fr, de, it and nl ("schrieb" may be followed by the name: "Am 24.11.2026
// um 14:18 schrieb Acme Support <x@y>:").
var attributionEndRe = regexp.MustCompile(`(?i)(?:\b(?:wrote|writes|escreveu|escribió|escribio|a écrit|geschrieben|ha scritto|schreef)\s*:|\bschrieb\b.*:)$`)

// attributionStartRe matches attributions that announce the author first:
// Horde's "Citando X <x@y>:" and "Quoting X:", and their translations.
var attributionStartRe = regexp.MustCompile(`(?i)^(?:citando|quoting|zitat von|citation de|cita de)\b.*:$`)

// openerRe matches the first words of a dated attribution ("On", "Em",
// "El", "Le", "Am", "Il", "Op"), used to join one wrapped over several
// lines: Sylpheed puts the date on its own line and Gmail wraps long ones.
var openerRe = regexp.MustCompile(`(?i)^(?:on|em|el|le|am|il|op)\s`)

var (
	digitRe   = regexp.MustCompile(`[0-9]`)
	timeRe    = regexp.MustCompile(`\b[0-2]?[0-9]:[0-5][0-9]\b`)
	addressRe = regexp.MustCompile(`\S@\S`)
)

const (
	// maxAttributionLen keeps a long paragraph that happens to end in
	// "wrote:" from being taken for an attribution.
	maxAttributionLen = 300
	// maxAttributionLines is how many lines a wrapped attribution may
	// span (a long name and address can push "wrote:" to a third line).
	maxAttributionLines = 3
)

// attribution reports whether an attribution starts at lines[i] and, if so,
// the index of its last line and whether it is certain enough to cut at
// (timed or with an address).
func attribution(lines []string, i int) (end int, strong, ok bool) {
	first := trimMarkup(lines[i])
	if first == "" || len(first) > maxAttributionLen || isQuoted(lines[i]) {
		return 0, false, false
	}
	text := first
	if !isAttributionLine(first) {
		// A wrapped attribution starts like a dated one and a following
		// line ends it.
		if !openerRe.MatchString(first) || !digitRe.MatchString(first) || strings.HasSuffix(first, ".") {
			return 0, false, false
		}
		for end = i + 1; ; end++ {
			if end >= len(lines) || end >= i+maxAttributionLines {
				return 0, false, false
			}
			next := trimMarkup(lines[end])
			if next == "" || len(next) > maxAttributionLen || isQuoted(lines[end]) || openerRe.MatchString(next) {
				return 0, false, false
			}
			text += " " + next
			if isAttributionLine(next) {
				break
			}
		}
	} else {
		end = i
	}
	strong = addressRe.MatchString(text) || (openerRe.MatchString(text) && timeRe.MatchString(text))
	return end, strong, true
}

func isAttributionLine(l string) bool {
	// Every attribution ends with a colon: a cheap test that spares the
	// regular expressions almost every line of a message.
	if !strings.HasSuffix(l, ":") {
		return false
	}
	return attributionEndRe.MatchString(l) || attributionStartRe.MatchString(l)
}

// trimMarkup removes surrounding spaces and the "*" / "_" emphasis of text
// made from HTML.
func trimMarkup(l string) string {
	return strings.Trim(l, " \t*_")
}

// quoteFollows reports whether, after optional blank lines, lines[i:] starts
// with a ">" quote or is empty.
func quoteFollows(lines []string, i int) bool {
	i = nextNonBlank(lines, i)
	return i >= len(lines) || isQuoted(lines[i])
}
