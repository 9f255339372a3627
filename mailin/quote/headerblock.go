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
// in the sender's language (headerblock_langs.go), sometimes preceded by a
// separator line. Those are the only marks of where the new content ends,
// so they are recognised here. Header labels may carry the "*bold*" markers
// of text made from HTML.

// fieldKind is what a header block line gives.
type fieldKind uint8

const (
	fieldFrom fieldKind = 1 << iota
	fieldSent           // Sent or Date
	fieldTo
	fieldCc
	fieldSubject
)

// maxLabelLen is the longest header label in bytes, with its bold markers
// and the space before a French colon ("**Enviado em** :", "Másolatot kap",
// "Отправлено").
const maxLabelLen = 32

// headerField reports whether l is a header block line ("Label: value",
// also "*Label:* value" and "Label : value") and of what kind. The value
// may be empty (Outlook leaves "Cc:" so).
func headerField(l string) (kind fieldKind, value string, ok bool) {
	t := strings.TrimLeft(normSpace(l), " \t*")
	colon := strings.IndexByte(t, ':')
	if colon <= 0 || colon > maxLabelLen {
		return 0, "", false
	}
	label := strings.ToLower(strings.Trim(t[:colon], " \t*"))
	kind, ok = headerLabels[label]
	if !ok {
		return 0, "", false
	}
	return kind, strings.Trim(t[colon+1:], " \t*"), true
}

// separatorLine reports the separator lines clients put above quoted or
// forwarded history, "-----Original Message-----" and its kin, bold or not.
func separatorLine(l string) bool {
	t := strings.Trim(normSpace(l), " \t*_")
	if !strings.HasPrefix(t, "--") {
		return false
	}
	return separators[strings.ToLower(strings.Trim(t, "- \t"))]
}

// forwardIntroLine reports Apple Mail's "Begin forwarded message:" and its
// translations.
func forwardIntroLine(l string) bool {
	t := strings.TrimRight(strings.Trim(normSpace(l), " \t*_"), " \t")
	if !strings.HasSuffix(t, ":") {
		return false
	}
	return forwardIntro[strings.ToLower(strings.TrimRight(t[:len(t)-1], " \t"))]
}

// underscoreRe matches the rule Outlook draws above its header block and
// mailing lists above their footer.
var underscoreRe = regexp.MustCompile(`^\s*(?:_{10,}|={4,})\s*$`)

// listFooterRe matches what a mailing list footer says (Mailman,
// Sympa, Google Groups and their Portuguese and Spanish translations).
var listFooterRe = regexp.MustCompile(`(?i)mailing ?list|mailingliste|listinfo|mailman|unsubscribe|lista de (?:discussão|discusión|correo|distribuição|distribución|e-?mails?)|liste de diffusion|@lists?\.|@listas?\.|\blists?\.[a-z0-9-]+\.[a-z]`)

// Header blocks are compact: the fields come within a few lines (To and Cc
// lines between From and Subject, a long To list wrapped over a second
// line). Blank lines are not counted, because text made from HTML often
// has one between every header line; headerScanLimit bounds the look-ahead
// over them.
const (
	headerWithin    = 8
	headerScanLimit = 24
	// footerWithin is how many lines after the rule a list footer names
	// its list.
	footerWithin = 3
)

// historyStarts reports whether lines[i] starts pasted history: a separator
// line, a forward intro, Zoho's dashed attribution, an underscore rule above
// a header block or list footer, or a header block.
func historyStarts(lines []string, i int) bool {
	l := lines[i]
	if groupWiseBanner(l) {
		return true
	}
	if !mayStartHistory(l) {
		return false
	}
	switch {
	case separatorLine(l), forwardIntroLine(l), dashedAttribution(l):
		return true
	case underscoreRe.MatchString(l):
		return underscoreStarts(lines, i+1)
	}
	return isHeaderBlock(lines, i)
}

// underscoreStarts reports whether what follows an underscore rule from
// lines[i] is history (a From or Date line, a separator) or a mailing list
// footer, rather than the sender's signature drawn under a line.
func underscoreStarts(lines []string, i int) bool {
	j := nextNonBlank(lines, i)
	if j >= len(lines) {
		return false
	}
	if kind, _, ok := headerField(lines[j]); ok && kind&(fieldFrom|fieldSent) != 0 {
		return true
	}
	if separatorLine(lines[j]) {
		return true
	}
	for n := 0; j < len(lines) && n < footerWithin; j = nextNonBlank(lines, j+1) {
		if listFooterRe.MatchString(lines[j]) {
			return true
		}
		n++
	}
	return false
}

// isHeaderBlock reports whether a header line at i starts a block: From and
// Sent/Date with Subject, or (no Subject) From, a Sent/Date that is a date
// and To, with an address in From or To; counting non-blank lines. One
// "De:" or "Para:" line alone is ordinary text, and so are "From: the
// warehouse / To: Hamburg / Date: 24/11/2026" in an order. A block may start with any of its fields (some webmails put Date
// first).
func isHeaderBlock(lines []string, i int) bool {
	kind, value, ok := headerField(lines[i])
	if !ok {
		return false
	}
	if kind == fieldFrom && flattenedBlock(value) {
		return true
	}
	var seen fieldKind
	dated, addressed := false, false
	note := func(k fieldKind, v string) {
		seen |= k
		dated = dated || k == fieldSent && isDate(v)
		addressed = addressed || k&(fieldFrom|fieldTo) != 0 && hasAddress(v)
	}
	note(kind, value)
	others := 0
	n := 0
	for j := i + 1; j < len(lines) && j <= i+headerScanLimit && n < headerWithin; j++ {
		if isBlank(lines[j]) {
			continue
		}
		n++
		k, v, ok := headerField(lines[j])
		if !ok {
			// A wrapped To or Cc list; more is the body.
			if others++; others > 1 {
				break
			}
			continue
		}
		note(k, v)
		if seen&(fieldFrom|fieldSent) != fieldFrom|fieldSent {
			continue
		}
		if seen&fieldSubject != 0 || (dated && addressed && seen&fieldTo != 0) {
			return true
		}
	}
	return false
}

// isDate reports a header value that is a date: a time of day or a year.
func isDate(v string) bool {
	return timeRe.MatchString(v) || dateRe.MatchString(v)
}

// flattenedBlock reports a From value that holds the whole block, as text
// made from HTML that lost its line breaks has it: "From: X <x@y> Sent:
// Monday, … To: … Subject: …". It must name a Sent or Date field and a
// Subject field after an address.
func flattenedBlock(value string) bool {
	if !hasAddress(value) || strings.Count(value, ":") < 2 {
		return false
	}
	var seen fieldKind
	for rest := value; ; {
		colon := strings.IndexByte(rest, ':')
		if colon < 0 {
			break
		}
		// The label is the last one or two words before the colon.
		words := strings.Fields(rest[:colon])
		for n := 1; n <= 2 && n <= len(words); n++ {
			label := strings.ToLower(strings.Trim(strings.Join(words[len(words)-n:], " "), "*"))
			if k, ok := headerLabels[label]; ok && k != fieldFrom {
				seen |= k
				break
			}
		}
		rest = rest[colon+1:]
	}
	return seen&(fieldSent|fieldSubject) == fieldSent|fieldSubject
}

// mayStartHistory is a cheap test that rules out almost every line of
// prose before the lookups run: history starts with a separator ("-",
// "_"), a header label with its colon near the start, or a forward intro
// ending in a colon.
func mayStartHistory(l string) bool {
	t := strings.TrimLeft(l, " \t*")
	if t == "" {
		return false
	}
	if t[0] == '-' || t[0] == '_' || t[0] == '=' || strings.HasSuffix(strings.TrimRight(t, " \t"), ":") {
		return true
	}
	colon := strings.IndexByte(t, ':')
	if colon > 0 && colon <= maxLabelLen {
		return true
	}
	// A full-width colon, as CJK labels have it ("差出人："), or a
	// trailing one.
	colon = strings.Index(t, "\uff1a")
	return colon > 0 && colon <= maxLabelLen || strings.HasSuffix(t, "\uff1a")
}

func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && isBlank(lines[i]) {
		i++
	}
	return i
}

func isBlank(l string) bool { return strings.TrimSpace(l) == "" }

// groupWiseBanner is the line GroupWise writes above the original:
// `>>> "X" <x@y> 12/2/2026 2:15 PM >>>`. A `>>> … <<<` banner in the
// sender's text names no address and ends the other way.
func groupWiseBanner(l string) bool {
	t := strings.TrimSpace(l)
	return strings.HasPrefix(t, ">>>") && strings.HasSuffix(t, ">>>") && len(t) > 6 && hasAddress(t) && hasDigit(t)
}
