package quote

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reply attributions ("On <date>, X wrote:", "Em <data>, X escreveu:",
// "Citando X:" …, see attribution_langs.go) introduce quoted history. Nobody
// typed them, so they must go with the quote; but "escreveu:" also ends
// ordinary sentences ("O técnico escreveu:"), so shape alone is not proof.
// An attribution is removed when a ">" quote (or the end of the text)
// follows it, and it cuts the rest of the text only when it also carries a
// time of day and a date, or an address, i.e. when it cannot be the
// sender's own sentence.

var (
	// timeRe matches 10:15, and the 10.15 of the Nordic "kl. 10.15", "klo
	// 10.15" (a bare 10.15 could be a date).
	timeRe = regexp.MustCompile(`\b[0-2]?[0-9]:[0-5][0-9]\b|\b(?:kl|klo|kello)\.?\s*[0-2]?[0-9]\.[0-5][0-9]\b`)
	// dateRe matches a year or a numeric day and month.
	dateRe = regexp.MustCompile(`(?:^|[^0-9])(?:19|20)[0-9][0-9](?:[^0-9]|$)|[0-9]{1,2}[./-] ?[0-9]{1,2}`)
)

// hasDigit: regexp's [0-9] costs a backtracking pass per line, and Strip
// asks it of every line.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return true
		}
	}
	return false
}

// perlSpace is regexp's \s: ASCII white space only.
func perlSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// hasAddress reports an "@" between two non-space characters (an address,
// however it is bracketed).
func hasAddress(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] == '@' && !perlSpace(s[i-1]) && !perlSpace(s[i+1]) {
			return true
		}
	}
	return false
}

const (
	// maxAttributionLen keeps a long paragraph that happens to end in
	// "wrote:" from being taken for an attribution (in bytes: Cyrillic
	// and CJK take two or three a letter).
	maxAttributionLen = 400
	// maxAttributionLines is how many lines a wrapped attribution may
	// span (a long name and address can push "wrote:" to a third line).
	maxAttributionLines = 3
)

// attrib is an attribution found at a line.
type attrib struct {
	end    int    // index of its last line
	strong bool   // certain enough to cut the unquoted text after it
	reply  string // reply text before it on its first line, if any
}

// attribution reports whether an attribution starts at lines[i] (or later
// on that line, after the reply text).
func attribution(lines []string, i int) (attrib, bool) {
	raw := lines[i]
	if isQuoted(raw) {
		return attrib{}, false
	}
	norm := normSpace(raw)
	first := trimMarkup(norm)
	if first == "" || len(first) > maxAttributionLen {
		return attrib{}, false
	}
	if isAttributionText(first) {
		a := attrib{end: i, strong: isStrong(first)}
		if k := replyBefore(first, a.strong); k > 0 {
			lead := len(norm) - len(strings.TrimLeft(norm, " \t*_"))
			a.reply = replyText(raw[lead : lead+k])
		}
		return a, true
	}
	if isVerbless(lines, i, first) {
		return attrib{end: i, strong: true}, true
	}
	if strings.HasSuffix(first, ":") {
		// Reply text run on before an attribution that does not end in
		// a verb ("Thanks. Quoting X <x@y>:").
		if k := replyBefore(first, true); k > 0 {
			lead := len(norm) - len(strings.TrimLeft(norm, " \t*_"))
			return attrib{end: i, strong: true, reply: replyText(raw[lead : lead+k])}, true
		}
	}
	return wrappedAttribution(lines, i, first)
}

// wrappedAttribution joins an attribution wrapped over up to
// maxAttributionLines lines. Sylpheed puts the date on a line of its own and
// Gmail's plain text wraps long ones, often inside the address. The first
// line must start like a dated attribution; failing that, it must follow a
// blank line (an attribution is a paragraph of its own) and the joined text
// must be certain.
func wrappedAttribution(lines []string, i int, first string) (attrib, bool) {
	// A line ending in a full stop is a sentence, unless it names an
	// address: Gmail's hu "X <x@y> ezt írta (időpont: 2026." wraps there.
	if !hasDigit(first) || strings.HasSuffix(first, ".") && !hasAddress(first) {
		return attrib{}, false
	}
	opened := openerRe.MatchString(first)
	if !opened && (!prevBlank(lines, i) || strings.HasSuffix(first, "!") || strings.HasSuffix(first, "?")) {
		return attrib{}, false
	}
	text := first
	for end := i + 1; end < len(lines) && end < i+maxAttributionLines; end++ {
		next := trimMarkup(normSpace(lines[end]))
		if next == "" || len(text)+len(next) > maxAttributionLen || isQuoted(lines[end]) && !addressTail(next) || openerRe.MatchString(next) {
			return attrib{}, false
		}
		// Gmail wraps inside the angle brackets: "X <" / "x@y>:" and
		// "X <x@y" / ">:" are one address.
		if strings.HasSuffix(text, "<") || strings.HasPrefix(next, ">") {
			text += next
		} else {
			text += " " + next
		}
		if verblessRe.MatchString(text) && !secondsRe.MatchString(text) {
			return attrib{end: end, strong: true}, true
		}
		if isAttributionText(text) {
			strong := isStrong(text)
			if !opened && !strong {
				return attrib{}, false
			}
			return attrib{end: end, strong: strong}, true
		}
	}
	return attrib{}, false
}

// addressTail: the end of an address wrapped onto a line of its own, which
// starts with ">" and is no quote.
func addressTail(l string) bool {
	t := strings.TrimSpace(l)
	return t == ">:" || t == "> :"
}

// isAttributionText reports whether one attribution, joined onto one line,
// is the whole of t. Plain string tests, not regular expressions: it runs
// for every colon-ended line and every sentence end of an attribution.
func isAttributionText(t string) bool {
	// Every attribution ends with a colon: a cheap test that spares the
	// rest almost every line of a message.
	if !strings.HasSuffix(t, ":") {
		return false
	}
	body := strings.ToLower(strings.TrimRight(t[:len(t)-1], " \t"))
	for _, v := range endVerbs {
		if before, ok := strings.CutSuffix(body, v); ok && (before == "" || wordEnds(before)) {
			return true
		}
	}
	for _, v := range boundVerbs {
		if strings.HasSuffix(body, v) {
			return true
		}
	}
	for _, v := range tailVerbs {
		if hasTailVerb(body, v) {
			return true
		}
	}
	for _, p := range startPhrases {
		if strings.HasPrefix(body, p+" ") {
			return true
		}
	}
	return false
}

// wordEnds reports whether s ends where a word may start after it: a
// space, a comma, a closing bracket or a quote mark.
func wordEnds(s string) bool {
	switch s[len(s)-1] {
	case ' ', '\t', ',', ')', '>', '"', '\'':
		return true
	}
	return strings.HasSuffix(s, "»")
}

// hasTailVerb reports whether v occurs in s as a word followed by a space
// or a bracket and more text.
func hasTailVerb(s, v string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], v)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(v)
		if (i == 0 || s[i-1] == ' ' || s[i-1] == ',') && end+1 < len(s) && (s[end] == ' ' || s[end] == '(') {
			return true
		}
		off = i + 1
	}
}

// isStrong reports an attribution that no sentence of the sender's looks
// like: one with an address, or with a time of day, a date and a name for
// its author ("Em 23/11/2026 10:15, Suporte Acme escreveu:", not "Em
// 23/11/2026 às 10:15 o técnico escreveu:").
func isStrong(t string) bool {
	return hasAddress(t) || (timeRe.MatchString(t) && dateRe.MatchString(t) && authorNamed(t)) ||
		openerRe.MatchString(t) && dateRe.MatchString(t) && hasSuffixAny(strings.ToLower(t), youWrote)
}

// youWrote end the attributions clients write over a reply to one's own
// message, "On Nov 26, 2025 you wrote:", often with no time of day.
var youWrote = []string{
	" you wrote:", " você escreveu:", " vc escreveu:", " usted escribió:", " tú escribiste:",
	" vous avez écrit :", " vous avez écrit:", " du schriebst:", " jij schreef:", " u schreef:",
}

func hasSuffixAny(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// authorNamed reports whether the word next to an attribution's verb — the
// one before an end verb, after a tail verb — may be a name: it does not
// start with a lower-case letter. Scripts without case (CJK, Hangul) always
// may.
func authorNamed(t string) bool {
	body := strings.TrimRight(strings.TrimSuffix(t, ":"), " \t")
	for _, v := range endVerbs {
		n := len(body) - len(v)
		if n > 0 && utf8.RuneStart(body[n]) && strings.EqualFold(body[n:], v) && wordEnds(body[:n]) {
			if mayBeName(lastWord(body[:n])) {
				return true
			}
		}
	}
	for _, v := range tailVerbs {
		for i := 0; i+len(v) < len(body); i++ {
			if utf8.RuneStart(body[i]) && strings.EqualFold(body[i:i+len(v)], v) && mayBeName(firstWord(body[i+len(v):])) {
				return true
			}
		}
	}
	// Bound verbs follow uncased scripts; start phrases name the author
	// after them.
	lower := strings.ToLower(body)
	for _, v := range boundVerbs {
		if strings.HasSuffix(lower, v) {
			return true
		}
	}
	for _, p := range startPhrases {
		if strings.HasPrefix(lower, p+" ") {
			return true
		}
	}
	return false
}

func mayBeName(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return w != "" && (!unicode.IsLower(r) || secondPerson[strings.ToLower(w)])
}

// secondPerson are the "you" of "On 26 Nov 2026, you wrote:", which clients
// write over a reply to one's own message: an author as certain as a name.
var secondPerson = map[string]bool{
	"you": true, "você": true, "vc": true, "tu": true, "vous": true, "usted": true, "du": true,
	"jij": true, "u": true, "ty": true, "vy": true, "вы": true, "ты": true,
}

// lastWord and firstWord return a word of s without the quotes and
// brackets around it.
func lastWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[len(f)-1], "\"'»«,()<>")
}

func firstWord(s string) string {
	f := strings.Fields(strings.TrimLeft(s, "("))
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], "\"'»«,()<>")
}

// isVerbless reports one of the attributions without a verb. Their shape
// is loose, so they must also stand apart: after a blank line (or at the
// top) and before a blank line, a quote or the end; Gmail's date-first form
// is distinct enough to need only the first.
func isVerbless(lines []string, i int, t string) bool {
	if !strings.HasSuffix(t, ":") {
		return false
	}
	if muttRe.MatchString(t) {
		return true // certain by its shape, wherever it stands
	}
	if !(verblessRe.MatchString(t) || byAddressRe.MatchString(t)) || secondsRe.MatchString(t) || !prevBlank(lines, i) {
		return false
	}
	if gmailDateFirstRe.MatchString(t) {
		return true
	}
	next := i + 1
	return next >= len(lines) || isBlank(lines[next]) || isQuoted(lines[next])
}

// replyBefore returns where in t an attribution starts after reply text
// written on the same line ("Thanks, done. On Mon, … wrote:", as text made
// from HTML that lost a line break has it), or 0. The reply must end a
// sentence, and the attribution start with an opener or, when it has an
// address, with a capitalised name ("Köszönöm, rendben. X <x@y> ezt írta
// …:"); the word ending the reply must not be a number or an abbreviation,
// so that "Am Mo., 23. Nov. 2026 …" or "Dr. Silva <s@x> escreveu:" are not
// taken apart.
func replyBefore(t string, strong bool) int {
	// Yahoo glues its attribution to the reply with dashes: "Thanks---
	// On Wed, … wrote:".
	if i := strings.Index(t, "---"); i > 0 {
		k := i + 3
		for k < len(t) && (t[k] == '-' || t[k] == ' ') {
			k++
		}
		if rest := t[k:]; openerRe.MatchString(rest) && isAttributionText(rest) && (!strong || isStrong(rest)) {
			return k
		}
	}
	for j := 1; j+1 < len(t); j++ {
		c := t[j]
		if (c != '.' && c != '!' && c != '?') || t[j+1] != ' ' {
			continue
		}
		k := j + 1
		for k < len(t) && (t[k] == ' ' || t[k] == '*' || t[k] == '_') {
			k++
		}
		rest := t[k:]
		opened := openerRe.MatchString(rest)
		if !opened {
			// A capitalised name with an address.
			r, _ := utf8.DecodeRuneInString(rest)
			if !unicode.IsUpper(r) || !endsSentence(t[:j], c) || !hasAddress(rest) {
				continue
			}
		}
		if isAttributionText(rest) && (!strong || isStrong(rest)) {
			return k
		}
	}
	return 0
}

// replyText trims the spaces and emphasis markers left between reply text
// and the attribution after it.
func replyText(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '*' || r == '_' || r == '-' })
}

// endsSentence reports whether reply, followed by punct, reads as a
// sentence rather than an abbreviation or a number: two words or more, the
// last of three letters or more unless punct is "!" or "?".
func endsSentence(reply string, punct byte) bool {
	words := strings.Fields(reply)
	if len(words) < 2 {
		return false
	}
	if punct != '.' {
		return true
	}
	n := 0
	for _, r := range words[len(words)-1] {
		if !unicode.IsLetter(r) {
			return false
		}
		n++
	}
	return n >= 3
}

// dashedAttribution reports Zoho's, Android mail's and Lotus Notes'
// attributions between dashes, "---- On Mon, 23 Nov 2026 10:15:00 +0100 X
// <x@y> wrote ----", "-----X <x@y> wrote: -----":
// unmistakable, since no sentence is written that way.
func dashedAttribution(l string) bool {
	t := strings.TrimSpace(trimMarkup(normSpace(l)))
	if !strings.HasPrefix(t, "--") || !strings.HasSuffix(t, "--") {
		return false
	}
	// Lotus Notes writes the colon inside: "-----X <x@y> wrote: -----".
	inner := strings.TrimSuffix(strings.Trim(t, "- "), ":")
	return len(inner) > 4 && len(inner) <= maxAttributionLen && isAttributionText(inner+":")
}

// trimMarkup removes surrounding spaces and the "*" / "_" emphasis of text
// made from HTML.
func trimMarkup(l string) string {
	return strings.Trim(l, " \t*_")
}

// normSpace turns no-break spaces (French puts one before the colon),
// ideographic spaces and the full-width colon of CJK mail into ASCII
// spaces and colons, keeping every byte offset: a rune of n bytes becomes n
// bytes, so an offset in the result is one in l.
func normSpace(l string) string {
	// Only the spaces the replacer changes: an accented letter alone
	// (every pt-BR line has one) is no reason to copy the line.
	for i := 0; i+1 < len(l); i++ {
		switch l[i] {
		case 0xC2:
			if l[i+1] == 0xA0 {
				return spaceReplacer.Replace(l)
			}
		case 0xE2, 0xE3, 0xEF:
			if i+2 < len(l) && (l[i+1] == 0x80 && (l[i+2] == 0xAF || l[i+2] == 0x87 || l[i+2] == 0x80) || l[i+1] == 0xBC && l[i+2] == 0x9A) {
				return spaceReplacer.Replace(l)
			}
		}
	}
	return l
}

var spaceReplacer = strings.NewReplacer(
	"\u00a0", "  ", // no-break space
	"\u202f", "   ", // narrow no-break space
	"\u2007", "   ", // figure space
	"\u3000", "   ", // ideographic space
	"\uff1a", "  :", // full-width colon
)

// prevBlank reports whether lines[i] is the first line or follows a blank
// one.
func prevBlank(lines []string, i int) bool {
	return i == 0 || isBlank(lines[i-1])
}
