// Package quote extracts what the sender of an email actually wrote.
//
// A reply carries the whole conversation so far; appending it to a ticket
// again and again would bury each new message under copies of the old ones
// (and of our own answers). Mail clients mark history in a handful of ways
// — "> " quoting, attribution lines, Outlook header blocks, separator lines —
// in the sender's language, and signatures with "-- " or a mobile tagline.
// This package recognises those marks in decoded plain text (or text made
// from HTML by package mailin/htmltext), in the languages of the
// *_langs.go tables. testdata/replies holds a held-out corpus of replies
// that TestRepliesAccuracy measures Strip against.
package quote

import (
	"strings"
	"unicode"
)

// Strip returns only the new content of an email reply: quoted history,
// attributions, pasted Outlook-style history, mailing list footers and the
// signature removed. Answers written between ">" quoted lines
// (bottom-posting, interleaved replies) are kept. A mobile tagline ends the
// new content: what follows it is the original, marked or not.
//
// If nothing would be left — the message is all quote, or starts with a
// forwarded header block — Strip returns StripSignature(text) instead: a
// ticket must never lose a message's content entirely.
func Strip(text string) string {
	lines := splitLines(text)
	quoted := quoteMask(lines)
	var kept []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if quoted[i] {
			// Keep interleaved answers apart where their question was.
			kept = append(kept, "")
			continue
		}
		if isTagline(l) || isSigDelimiter(l) || historyStarts(lines, i) {
			// In a top-posted reply the history follows the signature.
			break
		}
		if a, ok := attribution(lines, i); ok {
			if quoteFollows(lines, quoted, a.end+1) {
				kept = append(kept, a.reply)
				i = a.end
				continue
			}
			if a.strong {
				// Timed or addressed attribution over unquoted
				// history.
				kept = append(kept, a.reply)
				break
			}
		}
		kept = append(kept, l)
	}
	if out := tidy(cutDisclaimer(kept)); out != "" {
		return out
	}
	return StripSignature(text)
}

// StripSignature removes only the sender's signature: the lines from a "-- "
// delimiter up to whatever history follows it (a forwarded or original
// message, a header block, an attribution or a quote), and mobile taglines
// such as "Enviado do meu iPhone". Used for new tickets made from a forward,
// where the forwarded content is the substance and must be kept — including
// its own signature, which is part of the forwarded text.
//
// If the message is nothing but a signature, it is returned whole (tidied),
// since an empty ticket helps nobody.
func StripSignature(text string) string {
	lines := splitLines(text)
	quoted := quoteMask(lines)
	var kept []string
	inSig := false
	for i, l := range lines {
		if isHistory(lines, quoted, i) {
			if inSig {
				// Keep the history apart from what preceded the signature.
				kept = append(kept, "")
			}
			kept = append(kept, lines[i:]...)
			break
		}
		switch {
		case isSigDelimiter(l):
			inSig = true
		case !inSig && !isTagline(l):
			kept = append(kept, l)
		}
	}
	if out := tidy(kept); out != "" {
		return out
	}
	return tidy(lines)
}

// isHistory reports whether lines[i] starts quoted or pasted history of any
// kind.
func isHistory(lines []string, quoted []bool, i int) bool {
	if quoted[i] || historyStarts(lines, i) {
		return true
	}
	a, ok := attribution(lines, i)
	return ok && a.reply == "" && (a.strong || quoteFollows(lines, quoted, a.end+1))
}

// splitLines normalises CRLF and lone CR line ends and splits text into
// lines.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}

// tidy joins lines with trailing spaces removed, at most one blank line in a
// row and no blank lines at either end.
func tidy(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		blank = false
		b.WriteString(l)
	}
	return b.String()
}
