package quote

import (
	"regexp"
	"strings"
)

// Outlook, Outlook on the web, Gmail's forward and most webmails do not
// quote history with ">": they paste it below a header block like
//
//	De: Suporte Acme <suporte@acme.com.br>
//	Enviado: segunda-feira, 23 de novembro de 2026 16:05
//	Para: ...
//	Assunto: ...
//
// in the sender's language, sometimes preceded by a separator line. Those
// are the only marks of where the new content ends, so they are recognised
// here. Header labels may carry the "*bold*" markers of text made from HTML.

// fromRe, sentRe and subjectRe match the header lines that identify such a
// block, in pt, en, es, de, fr and it.
var (
	fromRe    = fieldRe(`de|from|von|da`)
	sentRe    = fieldRe(`enviad[oa](?: em| el)?|sent|date|data|fecha|gesendet|datum|envoyé(?: le)?|inviato`)
	subjectRe = fieldRe(`assunto|subject|asunto|betreff|objet|sujet|oggetto`)
)

// fieldRe builds a matcher for a header line with one of labels: optional
// "*" bold markers, the colon (French puts a space before it) and a value.
func fieldRe(labels string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*\*{0,2}(?:` + labels + `)\*{0,2}\s*:\s*\*{0,2}\s*\S`)
}

// separatorRe matches the lines clients put above quoted or forwarded
// history: Outlook's "-----Original Message-----", Gmail's "---------- Forwarded
// message ---------", Android's "-------- Mensagem original --------" and
// their translations.
var separatorRe = regexp.MustCompile(`(?i)^\s*-{2,}\s*(?:original message|mensagem original|mensaje original|ursprüngliche nachricht|message d'origine|messaggio originale|forwarded message|mensagem encaminhada|mensaje reenviado|weitergeleitete nachricht|message transféré|messaggio inoltrato)\s*-*\s*$`)

// forwardIntroRe matches Apple Mail's "Begin forwarded message:" and its
// translations.
var forwardIntroRe = regexp.MustCompile(`(?i)^\s*(?:begin forwarded message|início da mensagem encaminhada|inicio da mensagem encaminhada|inicio del mensaje reenviado|comienzo del mensaje reenviado|anfang der weitergeleiteten nachricht|début du message réexpédié|inizio messaggio inoltrato)\s*:\s*$`)

// underscoreRe matches the rule Outlook draws above its header block.
var underscoreRe = regexp.MustCompile(`^\s*_{10,}\s*$`)

// Header blocks are compact: the date comes within a few lines after From
// and the subject within a few more (To and Cc lines in between). Blank
// lines are not counted, because text made from HTML often has one between
// every header line; headerScanLimit bounds the look-ahead over them.
const (
	sentWithin      = 4
	subjectWithin   = 8
	headerScanLimit = 24
)

// historyStarts reports whether lines[i] starts pasted history: a separator
// line, a forward intro, an underscore rule directly above a From line, or a
// header block.
func historyStarts(lines []string, i int) bool {
	l := lines[i]
	if !mayStartHistory(l) {
		return false
	}
	switch {
	case separatorRe.MatchString(l), forwardIntroRe.MatchString(l):
		return true
	case underscoreRe.MatchString(l):
		next := nextNonBlank(lines, i+1)
		return next < len(lines) && fromRe.MatchString(lines[next])
	}
	return isHeaderBlock(lines, i)
}

// isHeaderBlock reports whether a From-like line at i is followed by a
// Sent/Date-like line and then a Subject-like line, counting non-blank
// lines. One "De:" or "Para:" line alone is ordinary text.
func isHeaderBlock(lines []string, i int) bool {
	if !fromRe.MatchString(lines[i]) {
		return false
	}
	sent := false
	n := 0
	for j := i + 1; j < len(lines) && j <= i+headerScanLimit; j++ {
		if isBlank(lines[j]) {
			continue
		}
		n++
		switch {
		case n > subjectWithin:
			return false
		case !sent && n <= sentWithin && sentRe.MatchString(lines[j]):
			sent = true
		case sent && subjectRe.MatchString(lines[j]):
			return true
		}
	}
	return false
}

// mayStartHistory is a cheap test that rules out almost every line of
// prose before the regular expressions run: history starts with a
// separator ("-", "_"), a header label with its colon near the start, or
// a forward intro ending in a colon.
func mayStartHistory(l string) bool {
	t := strings.TrimLeft(l, " \t*")
	if t == "" {
		return false
	}
	if t[0] == '-' || t[0] == '_' || strings.HasSuffix(strings.TrimRight(t, " \t"), ":") {
		return true
	}
	colon := strings.IndexByte(t, ':')
	return colon > 0 && colon <= maxLabelLen
}

// maxLabelLen is the longest header label with its bold markers and the
// space before a French colon ("**Enviado em** :").
const maxLabelLen = 20

func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && isBlank(lines[i]) {
		i++
	}
	return i
}

func isBlank(l string) bool { return strings.TrimSpace(l) == "" }
