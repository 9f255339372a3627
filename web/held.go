package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// heldRow is one line of the held-mail list.
type heldRow struct {
	tickets.Inbound
	ReasonLabel string
	URL         string
}

type heldData struct {
	chrome
	Held []heldRow
	// More says the list shows only the newest Shown records.
	More  bool
	Shown int
}

// maxIgnoredShown bounds the ignored-mail page: bounces accumulate.
const maxIgnoredShown = 200

// reasonLabel is a held message's reason in the page's language, or as
// stored when there is no label for it.
func (s *Server) reasonLabel(reason string) string {
	key := "reason." + reason
	if l := s.tpl.Label(s.opts.Language, key); l != key {
		return l
	}
	return reason
}

// heldList is GET /held: the mail waiting for an analyst's decision,
// newest first.
func (s *Server) heldList(w http.ResponseWriter, r *http.Request, sess *session) {
	var list []tickets.Inbound
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		list, err = v.InboundList(tickets.Held)
		return err
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d := heldData{chrome: s.chrome(r, sess, "held")}
	for _, in := range list {
		d.Held = append(d.Held, heldRow{Inbound: in, ReasonLabel: s.reasonLabel(in.Reason), URL: "/held/" + strconv.FormatUint(in.ID, 10)})
	}
	s.render(w, http.StatusOK, templates.PageHeld, d)
}

// ignoredList is GET /ignored: the newest mail set aside as machine mail
// (auto-replies, bounces, lists, loops), with its reason, so that a
// person misread as a machine can be found and accepted.
func (s *Server) ignoredList(w http.ResponseWriter, r *http.Request, sess *session) {
	var list []tickets.Inbound
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		list, err = v.InboundLatest(tickets.Ignored, maxIgnoredShown+1)
		return err
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d := heldData{chrome: s.chrome(r, sess, "ignored"), Shown: maxIgnoredShown}
	if len(list) > maxIgnoredShown {
		list, d.More = list[:maxIgnoredShown], true
	}
	for _, in := range list {
		d.Held = append(d.Held, heldRow{Inbound: in, ReasonLabel: s.reasonLabel(in.Reason), URL: "/held/" + strconv.FormatUint(in.ID, 10)})
	}
	s.render(w, http.StatusOK, templates.PageIgnored, d)
}

// header is one header field of a raw message, decoded for reading.
type header struct{ Name, Value string }

type heldMessageData struct {
	chrome
	In          tickets.Inbound
	ReasonLabel string
	Headers     []header
	Size        int64
	// CanAccept: held or ignored, and the server can decide; CanDiscard:
	// held only (ignored mail is already set aside).
	CanAccept, CanDiscard bool
	// NeedsRequester: the message names no sender, so accepting it asks
	// whose ticket it is; Requester is what the analyst typed.
	NeedsRequester bool
	Requester      string
}

// inboundID reads the {id} of the path; 0 when it is not a number.
func inboundID(r *http.Request) uint64 {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// heldMessage is GET /held/{id}: the record, the decoded text and the
// headers of one received message.
func (s *Server) heldMessage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderHeldMessage(w, r, sess, http.StatusOK, "", "")
}

// renderHeldMessage shows one received message; errKey and requester
// bring back a refused accept form with what the analyst typed.
func (s *Server) renderHeldMessage(w http.ResponseWriter, r *http.Request, sess *session, code int, errKey, requester string) {
	var in tickets.Inbound
	var raw []byte
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if in, err = v.Inbound(inboundID(r)); err != nil {
			return err
		}
		raw, err = v.Raw(in.ID)
		if errors.Is(err, tickets.ErrNotFound) {
			err = nil
		}
		return err
	})
	if errors.Is(err, tickets.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/held")
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	nav := "held"
	if in.Outcome != tickets.Held {
		nav = "ignored"
	}
	d := heldMessageData{
		chrome: s.chrome(r, sess, nav), In: in, ReasonLabel: s.reasonLabel(in.Reason),
		Headers: readHeaders(raw), Size: int64(len(raw)),
		CanAccept:      (in.Outcome == tickets.Held || in.Outcome == tickets.Ignored) && s.opts.Held != nil,
		CanDiscard:     in.Outcome == tickets.Held && s.opts.Held != nil,
		NeedsRequester: in.From == "",
		Requester:      requester,
	}
	d.Error = errKey
	s.render(w, code, templates.PageHeldMessage, d)
}

// heldRaw is GET /held/{id}/raw: the message exactly as it came, as a
// download.
func (s *Server) heldRaw(w http.ResponseWriter, r *http.Request, sess *session) {
	id := inboundID(r)
	var raw []byte
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		raw, err = v.Raw(id)
		return err
	})
	if errors.Is(err, tickets.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/held")
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	sendFile(w, "message-"+strconv.FormatUint(id, 10)+".eml", "message/rfc822", raw)
}

// heldAccept is POST /held/{id}/accept, for held and ignored mail; the
// form's requester says whose ticket mail with no sender opens.
func (s *Server) heldAccept(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.stillHeld(w, r, sess, true) {
		return
	}
	requester := strings.TrimSpace(r.PostFormValue("requester"))
	if len(requester) > 320 {
		requester = requester[:320]
	}
	key, err := s.opts.Held.Accept(r.Context(), inboundID(r), sess.analyst, requester)
	switch {
	case errors.Is(err, tickets.ErrNeedsRequester):
		s.renderHeldMessage(w, r, sess, http.StatusUnprocessableEntity, "held.needs_requester", requester)
		return
	case errors.Is(err, tickets.ErrBadAddress):
		s.renderHeldMessage(w, r, sess, http.StatusUnprocessableEntity, "held.bad_requester", requester)
		return
	case err != nil:
		s.opts.Logger.Warn("web: accept held mail", "inbound", inboundID(r), "error", err)
		s.fail(w, r, sess, http.StatusUnprocessableEntity, "error.unavailable", "/held/"+r.PathValue("id"))
		return
	}
	seeOther(w, r, "/tickets/"+key, "accepted")
}

// heldDiscard is POST /held/{id}/discard.
func (s *Server) heldDiscard(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.stillHeld(w, r, sess, false) {
		return
	}
	if err := s.opts.Held.Discard(r.Context(), inboundID(r), sess.analyst); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	seeOther(w, r, "/held", "discarded")
}

// stillHeld checks that a decision can be taken on the message (it is
// held, or ignored when orIgnored, and the server can decide); it answers
// itself when not.
func (s *Server) stillHeld(w http.ResponseWriter, r *http.Request, sess *session, orIgnored bool) bool {
	if s.opts.Held == nil {
		s.fail(w, r, sess, http.StatusNotFound, "error.unavailable", "/held")
		return false
	}
	var in tickets.Inbound
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		in, err = v.Inbound(inboundID(r))
		return err
	})
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/held")
		return false
	case err != nil:
		s.internal(w, r, sess, err)
		return false
	case in.Outcome != tickets.Held && !(orIgnored && in.Outcome == tickets.Ignored):
		s.fail(w, r, sess, http.StatusConflict, "error.not_held", "/held")
		return false
	}
	return true
}

// Bounds of the headers shown: hostile mail is cheap to look at.
const (
	maxHeaderFields = 200
	maxHeaderBytes  = 64 << 10
	maxHeaderValue  = 2000
)

// readHeaders reads the header of a raw message in order, continuation
// lines unfolded and RFC 2047 words decoded where possible (as they are,
// otherwise). What is not a header gives no field.
func readHeaders(raw []byte) []header {
	if len(raw) > maxHeaderBytes {
		raw = raw[:maxHeaderBytes]
	}
	dec := mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(charset) // the WHATWG names and aliases mail uses
		if err != nil || enc == nil {
			return nil, fmt.Errorf("unknown charset %q", charset)
		}
		return enc.NewDecoder().Reader(input), nil
	}}
	var out []header
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 4096), maxHeaderBytes)
	for sc.Scan() && len(out) < maxHeaderFields {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			break
		}
		out = append(out, header{Name: name, Value: strings.TrimSpace(value)})
	}
	for i := range out {
		if v, err := dec.DecodeHeader(out[i].Value); err == nil {
			out[i].Value = v
		}
		if r := []rune(out[i].Value); len(r) > maxHeaderValue {
			out[i].Value = string(r[:maxHeaderValue]) + "…"
		}
	}
	return out
}
