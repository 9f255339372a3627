package mailin

import (
	"bytes"
	"fmt"
)

// Real mail is not always RFC 5322. MTAs and local delivery agents hand
// over an mbox "From " envelope line (Postfix pipe flags=F, procmail),
// old Macs and broken gateways end lines with a lone CR, webmails emit a
// blank line or a space before the first field, and spam tools put NULs
// and 8-bit bytes in field names. go-message refuses all of these, so
// readable repairs a copy of the message the way lenient readers (mutt,
// Thunderbird, Python's email package) read it. The raw bytes are never
// changed: Ingest stores them as they came.

// readable returns the bytes Parse should read and what it had to repair
// to get there. It returns raw itself, uncopied, when nothing needs
// repair, which is the case for all ordinary mail. maxHeader bounds the
// header block kept: fields past it are dropped (and noted) instead of
// failing the whole message.
func readable(raw []byte, maxHeader int64) ([]byte, []string) {
	var notes []string
	b := raw
	if bytes.HasPrefix(b, []byte("From ")) {
		// An mbox envelope line is not a header field: "From " has no
		// colon right after the name.
		end := bytes.IndexAny(b, "\r\n")
		if end < 0 {
			end = len(b)
		}
		b = b[end:]
		notes = append(notes, "mbox From_ envelope line skipped")
	}
	if hasLoneCR(b) {
		b = crToLF(b)
		notes = append(notes, "lone CR line ends read as line ends")
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) != len(b) && len(t) > 0 && isFieldLine(firstLine(t)) {
		b = t
		notes = append(notes, "white space before the first header field skipped")
	}
	if headerNeedsRepair(b, maxHeader) {
		var more []string
		b, more = repairHeader(b, maxHeader)
		notes = append(notes, more...)
	}
	return b, notes
}

// hasLoneCR reports a CR that is not part of a CRLF.
func hasLoneCR(b []byte) bool {
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		if i+1 >= len(b) || b[i+1] != '\n' {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// crToLF turns every lone CR into LF, leaving CRLF pairs alone.
func crToLF(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' && (i+1 >= len(b) || b[i+1] != '\n') {
			c = '\n'
		}
		out = append(out, c)
	}
	return out
}

// nextLine splits b at its first line end (LF or CRLF): the line without
// its end, and the rest after it.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

func firstLine(b []byte) []byte {
	l, _ := nextLine(b)
	return l
}

// isFieldLine reports a line shaped like a header field: a name of
// printable ASCII without spaces inside, then a colon. Spaces between name
// and colon are tolerated, as go-message does.
func isFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(l[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBadFieldLine reports a field whose name no parser accepts (8-bit or
// control bytes in it) but that is still a field, not prose: a short name
// with no space before its colon.
func isBadFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	return i > 0 && i <= maxFieldName && !bytes.ContainsAny(l[:i], " \t")
}

// maxFieldName is longer than any real field name.
const maxFieldName = 76

func isContinuation(l []byte) bool { return len(l) > 0 && (l[0] == ' ' || l[0] == '\t') }

// headerNeedsRepair reports whether go-message would refuse the header
// block of b: a first line that is a continuation, a line that is no field,
// a NUL, or a block larger than maxHeader.
func headerNeedsRepair(b []byte, maxHeader int64) bool {
	rest := b
	first := true
	for len(rest) > 0 {
		var l []byte
		l, rest = nextLine(rest)
		if len(l) == 0 {
			return int64(len(b)-len(rest)) > maxHeader
		}
		if bytes.IndexByte(l, 0) >= 0 {
			return true
		}
		if isContinuation(l) {
			if first {
				return true
			}
			continue
		}
		if !isFieldLine(l) {
			return true
		}
		first = false
	}
	return int64(len(b)) > maxHeader
}

// repairHeader rewrites the header block of b: NULs removed, fields with
// names no parser accepts dropped, a line that is no field after at least
// one field taken as the start of the body (a missing blank line), and
// fields past maxHeader dropped. The body is copied unchanged.
func repairHeader(b []byte, maxHeader int64) ([]byte, []string) {
	var out bytes.Buffer
	out.Grow(len(b) + 2)
	var notes []string
	note := func(format string, args ...any) {
		if len(notes) < 10 {
			notes = append(notes, fmt.Sprintf(format, args...))
		}
	}
	fields, dropped, cut := 0, 0, 0
	keep := false // whether the continuation lines of the field at hand are kept
	rest := b
	budget := maxHeader - 2 // room for the blank line
	for len(rest) > 0 {
		before := rest
		var l []byte
		l, rest = nextLine(rest)
		if len(l) == 0 {
			out.WriteString("\r\n")
			out.Write(rest)
			break
		}
		if bytes.IndexByte(l, 0) >= 0 {
			l = bytes.ReplaceAll(l, []byte{0}, nil)
			if len(l) == 0 {
				continue
			}
		}
		switch {
		case isContinuation(l):
			if fields == 0 && !keep {
				// A header block that starts with a folded line: read it
				// as a field of its own.
				l = bytes.TrimLeft(l, " \t")
				if !isFieldLine(l) {
					dropped++
					continue
				}
				keep = true
				fields++
			}
			if !keep {
				continue
			}
		case isFieldLine(l):
			keep = true
			fields++
		case isBadFieldLine(l):
			keep = false
			dropped++
			continue
		case fields > 0:
			// No blank line between header and body.
			note("header ended without a blank line")
			out.WriteString("\r\n")
			out.Write(before)
			return out.Bytes(), finish(notes, dropped, cut)
		default:
			keep = false
			dropped++
			continue
		}
		if int64(out.Len()+len(l)+2) > budget {
			keep = false
			cut++
			continue
		}
		out.Write(l)
		out.WriteString("\r\n")
	}
	return out.Bytes(), finish(notes, dropped, cut)
}

func finish(notes []string, dropped, cut int) []string {
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d malformed header lines skipped", dropped))
	}
	if cut > 0 {
		notes = append(notes, fmt.Sprintf("%d header lines past the header size limit skipped", cut))
	}
	return notes
}
