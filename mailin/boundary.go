package mailin

import (
	"bufio"
	"bytes"

	"github.com/emersion/go-message"
)

// boundaryScan is how far into a multipart body its first delimiter line is
// looked for when the Content-Type names no boundary.
const boundaryScan = 64 << 10

// guessBoundary reads a multipart entity whose Content-Type lost its
// boundary parameter (broken scripts, a header folded wrongly) the way mail
// clients do: the first line of the body that starts with "--" is taken as
// the delimiter. With no such line it reports false and the body is read as
// plain text, so its content is still kept.
func (w *walker) guessBoundary(e *message.Entity, mt string, params map[string]string) (*message.Entity, bool) {
	br := bufio.NewReaderSize(e.Body, boundaryScan)
	head, _ := br.Peek(boundaryScan)
	e.Body = br
	boundary := ""
	for rest := head; len(rest) > 0 && boundary == ""; {
		var l []byte
		l, rest = nextLine(rest)
		l = bytes.TrimRight(l, " \t")
		if len(l) > 2 && len(l) <= 72 && bytes.HasPrefix(l, []byte("--")) {
			boundary = string(bytes.TrimSuffix(l[2:], []byte("--")))
		}
	}
	if boundary == "" {
		w.p.problem("%s without a boundary: read as text", mt)
		return nil, false
	}
	h := e.Header.Copy()
	fixed := make(map[string]string, len(params)+1)
	for k, v := range params {
		fixed[k] = v
	}
	fixed["boundary"] = boundary
	h.SetContentType(mt, fixed)
	h.Del("Content-Transfer-Encoding")
	ent, err := message.New(h, br)
	if err != nil && ent == nil {
		w.p.problem("%s without a boundary: %v", mt, err)
		return nil, false
	}
	w.p.problem("%s without a boundary: delimiter %q guessed from the body", mt, boundary)
	return ent, true
}
