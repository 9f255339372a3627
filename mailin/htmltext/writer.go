package htmltext

import "strings"

// maxPrefixDepth caps how many "> " quote markers and list indents a line
// gets. Deeper nesting is rendered at this depth: it keeps the output within
// a small constant factor of the input even for thousands of nested
// <blockquote>s, and nobody reads a 9th quote level anyway.
const maxPrefixDepth = 8

// writer accumulates plain text the way a browser lays out inline content:
// whitespace collapses to single spaces, block boundaries become line breaks
// (decided lazily, so consecutive boundaries produce one break), and every
// line remembers the quote depth it was started at, rendered as "> "
// markers at the end.
type writer struct {
	lines []outLine       // finished lines
	cur   strings.Builder // content of the line being written
	depth int             // quote depth of the line being written
	brk   int             // pending break before the next content: 0, 1 line, 2 blank line
	space bool            // collapsed whitespace pending before the next word

	bullet string // list bullet to put at the start of the next line
	last   string // last non-blank finished line

	capture *strings.Builder // collects the text of the current link, if any
}

type outLine struct {
	depth int
	text  string
}

// isSpace reports the characters HTML treats as collapsible whitespace. The
// no-break space is deliberately not one of them: "&nbsp;" is how Word and
// Gmail write an empty paragraph, which must still take up a line.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// block asks for a line break (n=1) or a blank line (n=2) before whatever
// comes next.
func (w *writer) block(n int) {
	if n > w.brk {
		w.brk = n
	}
	w.space = false
}

// softSpace asks for a word separator before the next word, as inline
// whitespace between elements would.
func (w *writer) softSpace() { w.space = true }

// text writes inline content, collapsing whitespace runs to one space.
func (w *writer) text(s string, depth int) {
	for i := 0; i < len(s); {
		if isSpace(s[i]) {
			w.space = true
			i++
			continue
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		w.word(s[i:j], depth)
		i = j
	}
}

// preText writes preformatted content: whitespace kept, "\n" starts a new
// line.
func (w *writer) preText(s string, depth int) {
	for {
		nl := strings.IndexByte(s, '\n')
		seg := s
		if nl >= 0 {
			seg = s[:nl]
		}
		if seg != "" {
			w.start(depth)
			w.write(seg)
		}
		if nl < 0 {
			return
		}
		w.newline(depth)
		s = s[nl+1:]
	}
}

// word writes a run of non-space characters, preceded by a single space if
// whitespace was seen since the previous word on the same line.
func (w *writer) word(s string, depth int) {
	space := w.space && w.brk == 0 && w.cur.Len() > 0
	w.start(depth)
	if space {
		w.write(" ")
	}
	w.write(s)
}

// line writes s on a line of its own.
func (w *writer) line(s string, depth int) {
	w.block(1)
	w.word(s, depth)
	w.block(1)
}

// newline ends the current line, or, if it is empty, emits an empty line:
// that is what <br> (and a newline inside <pre>) looks like in a browser.
func (w *writer) newline(depth int) {
	if w.brk > 0 && w.cur.Len() > 0 {
		// The line already ended at a block boundary, so this break
		// is an empty line of its own (Gmail's <div><br></div>).
		w.finish()
	}
	w.brk = 0
	w.space = false
	if w.cur.Len() > 0 {
		w.finish()
		return
	}
	w.lines = append(w.lines, outLine{depth: depth})
}

// start resolves pending breaks before new content and opens a line at the
// given quote depth if none is open.
func (w *writer) start(depth int) {
	if w.brk > 0 && w.cur.Len() > 0 {
		w.finish()
	}
	if w.brk == 2 && len(w.lines) > 0 && w.lines[len(w.lines)-1].text != "" {
		w.lines = append(w.lines, outLine{depth: depth})
	}
	w.brk = 0
	w.space = false
	if w.cur.Len() == 0 {
		w.depth = depth
		if w.bullet != "" {
			w.cur.WriteString(w.bullet)
			w.bullet = ""
		}
	}
}

func (w *writer) write(s string) {
	w.cur.WriteString(s)
	if w.capture != nil {
		w.capture.WriteString(s)
	}
}

func (w *writer) finish() {
	t := w.cur.String()
	if strings.TrimSpace(t) != "" {
		w.last = t
	}
	w.lines = append(w.lines, outLine{depth: w.depth, text: t})
	w.cur.Reset()
}

// lastLine returns the last non-blank line written so far, for callers that
// want to avoid repeating a marker.
func (w *writer) lastLine() string {
	if w.cur.Len() > 0 {
		return w.cur.String()
	}
	return w.last
}

// String renders the text: quote markers added, no-break spaces turned into
// spaces, trailing spaces dropped, runs of blank lines shrunk to one and
// leading/trailing blank lines removed. A blank line gets the markers of the
// shallower of its neighbours, so a quote does not seem to go on past its
// end.
func (w *writer) String() string {
	if w.cur.Len() > 0 {
		w.finish()
	}
	var b strings.Builder
	wrote, blank := false, false
	prev, blankDepth := 0, 0
	for _, l := range w.lines {
		t := strings.TrimRight(strings.ReplaceAll(l.text, "\u00a0", " "), " \t")
		if t == "" {
			if wrote {
				if !blank {
					blank, blankDepth = true, prev
				}
				blankDepth = min(blankDepth, l.depth)
			}
			continue
		}
		d := min(max(l.depth, 0), maxPrefixDepth)
		if wrote {
			b.WriteByte('\n')
			if blank {
				b.WriteString(strings.TrimRight(prefix(min(blankDepth, d)), " "))
				b.WriteByte('\n')
			}
		}
		b.WriteString(prefix(d))
		b.WriteString(t)
		wrote, blank, prev = true, false, d
	}
	return b.String()
}

// prefix returns the quote markers for a line at depth.
func prefix(depth int) string {
	return strings.Repeat("> ", min(max(depth, 0), maxPrefixDepth))
}
