package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// messageView is one message of a thread as a page shows it.
type messageView struct {
	ID         string
	Direction  string
	From       string
	ReceivedAt time.Time
	Text       string
	FullText   string
	ShowFull   bool // the whole text differs from the new content shown
	Files      []fileView
	Refused    []refusedView
}

type fileView struct {
	Filename    string
	ContentType string
	Size        int64
	URL         string
}

type refusedView struct {
	Filename string
	Reason   string
}

// thread makes the views of a ticket's messages; link gives an
// attachment's download URL. Notes are left out unless notes is set.
func (s *Server) thread(d tickets.TicketDetail, notes bool, link func(id string) string) []messageView {
	var out []messageView
	for _, m := range d.Messages {
		if m.Direction == tickets.DirNote && !notes {
			continue
		}
		v := messageView{ID: m.ID, Direction: string(m.Direction), From: m.From, ReceivedAt: m.ReceivedAt, Text: m.Text,
			FullText: m.FullText, ShowFull: m.FullText != "" && strings.TrimSpace(m.FullText) != strings.TrimSpace(m.Text)}
		for _, a := range m.Attachments {
			v.Files = append(v.Files, fileView{Filename: shownName(a.Filename), ContentType: a.ContentType, Size: a.Size, URL: link(a.ID)})
		}
		for _, rj := range m.Rejected {
			v.Refused = append(v.Refused, refusedView{Filename: shownName(rj.Filename), Reason: s.refusalReason(rj.Reason)})
		}
		out = append(out, v)
	}
	return out
}

// refusalReason puts a stored refusal reason ("larger than the limit of
// 8 MiB") in the page's language.
func (s *Server) refusalReason(reason string) string {
	switch {
	case strings.HasPrefix(reason, tickets.RefusedType):
		return s.tpl.Label(s.opts.Language, "refused.type") + strings.TrimPrefix(reason, tickets.RefusedType)
	case strings.HasPrefix(reason, tickets.RefusedSize):
		rest := strings.TrimPrefix(strings.TrimPrefix(reason, tickets.RefusedSize), " of ")
		if rest != "" {
			rest = " (" + rest + ")"
		}
		return s.tpl.Label(s.opts.Language, "refused.size") + rest
	}
	return reason
}

type ticketData struct {
	chrome
	T            tickets.Ticket
	Messages     []messageView
	Events       []tickets.Event
	RequesterURL string
	Statuses     []string
	Types        []string
	Departments  []string
	Analysts     []string
	Upload       uploadView
	Draft        string
	NoteDraft    string
}

// notSaved answers a reply or note the store could not write (disk full,
// store gone) with the ticket page again, the text typed still in its box,
// and 503 "not saved, try again" (fault tests D12): the analyst loses
// nothing and may simply send again. keep puts the draft back.
func (s *Server) notSaved(w http.ResponseWriter, r *http.Request, sess *session, cause error, keep func(*ticketData)) {
	s.opts.Logger.Error("web: not saved", "path", r.URL.Path, "error", cause)
	s.showTicket(w, r, sess, http.StatusServiceUnavailable, func(d *ticketData) {
		d.Error = "error.not_saved"
		keep(d)
	})
}

// ticketPage is GET /tickets/{key}.
func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.showTicket(w, r, sess, http.StatusOK, nil)
}

// showTicket renders an analyst's ticket page; edit, when set, fills in
// what the page answers to a refused post (the error, the text typed).
func (s *Server) showTicket(w http.ResponseWriter, r *http.Request, sess *session, code int, edit func(*ticketData)) {
	var d tickets.TicketDetail
	var analysts []tickets.Analyst
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if d, err = v.Detail(r.PathValue("key")); err != nil {
			return err
		}
		analysts, err = v.Analysts()
		return err
	})
	if errors.Is(err, tickets.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/tickets")
		return
	}
	if err != nil && code == http.StatusServiceUnavailable {
		// The store cannot even be read: the page without the thread,
		// so that the text typed is still not lost.
		s.opts.Logger.Error("web: store", "path", r.URL.Path, "error", err)
		d, analysts = tickets.TicketDetail{Ticket: tickets.Ticket{Key: r.PathValue("key")}}, nil
		err = nil
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	key := url.PathEscape(d.Key)
	data := ticketData{
		chrome:       s.chrome(r, sess, "queue"),
		T:            d.Ticket,
		Messages:     s.thread(d, true, func(id string) string { return "/tickets/" + key + "/attachments/" + url.PathEscape(id) }),
		Events:       d.Events,
		RequesterURL: "/tickets?" + url.Values{"requester": {d.Requester}}.Encode(),
		Departments:  s.opts.Departments,
		Upload:       uploadPolicyView(s.opts.Attachments),
	}
	for _, st := range tickets.Statuses() {
		data.Statuses = append(data.Statuses, string(st))
	}
	for _, t := range tickets.Types() {
		data.Types = append(data.Types, string(t))
	}
	for _, a := range analysts {
		data.Analysts = append(data.Analysts, a.Name)
	}
	if edit != nil {
		edit(&data)
	}
	s.render(w, code, templates.PageTicket, data)
}

// ticketURL is where an action on a ticket sends the browser back.
func ticketURL(r *http.Request) string { return "/tickets/" + url.PathEscape(r.PathValue("key")) }

// reply is POST /tickets/{key}/reply: the text and files are stored as the
// analyst's message and emailed to the customer through the outbox, in one
// transaction.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, sess *session) {
	text := strings.TrimSpace(postedText(r, "text"))
	atts, refused, release, err := s.uploads(r)
	defer release()
	if errors.Is(err, errBusy) {
		s.opts.Logger.Warn("web: upload deferred", "ticket", r.PathValue("key"), "reason", "memory budget busy")
		s.showTicket(w, r, sess, http.StatusServiceUnavailable, func(d *ticketData) {
			d.Draft, d.Error = postedText(r, "text"), "error.busy"
		})
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	if refused != "" || text == "" {
		s.showTicket(w, r, sess, http.StatusBadRequest, func(d *ticketData) {
			d.Draft = postedText(r, "text")
			if refused != "" {
				d.Error, d.ErrorDetail = "error.attachment", refused
			} else {
				d.Error = "error.empty_text"
			}
		})
		return
	}
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		_, err := tx.Reply(r.PathValue("key"), sess.analyst, text, atts)
		return err
	})
	if err != nil && !errors.Is(err, tickets.ErrNotFound) {
		var names []string
		for _, a := range atts {
			names = append(names, a.Filename)
		}
		s.notSaved(w, r, sess, err, func(d *ticketData) {
			d.Draft = postedText(r, "text")
			if len(names) > 0 {
				// A browser cannot be handed a file back: say which
				// ones to attach again.
				d.Error, d.ErrorDetail = "error.not_saved_files", strings.Join(names, ", ")
			}
		})
		return
	}
	if s.actionError(w, r, sess, err) {
		return
	}
	seeOther(w, r, ticketURL(r), "reply")
}

// note is POST /tickets/{key}/note: an internal note, never emailed.
func (s *Server) note(w http.ResponseWriter, r *http.Request, sess *session) {
	text := strings.TrimSpace(postedText(r, "text"))
	if text == "" {
		s.showTicket(w, r, sess, http.StatusBadRequest, func(d *ticketData) { d.Error = "error.empty_text" })
		return
	}
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error {
		_, err := tx.Note(r.PathValue("key"), sess.analyst, text)
		return err
	})
	if err != nil && !errors.Is(err, tickets.ErrNotFound) {
		s.notSaved(w, r, sess, err, func(d *ticketData) { d.NoteDraft = postedText(r, "text") })
		return
	}
	if s.actionError(w, r, sess, err) {
		return
	}
	seeOther(w, r, ticketURL(r), "note")
}

// setStatus is POST /tickets/{key}/status: an event, and the email that
// tells the customer, in one transaction (Tx.SetStatus).
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	st, err := tickets.ParseStatus(r.PostFormValue("status"))
	if err != nil {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_value", ticketURL(r))
		return
	}
	s.change(w, r, sess, func(tx tickets.Tx, key string) error {
		_, err := tx.SetStatus(key, sess.analyst, st)
		return err
	})
}

// setType is POST /tickets/{key}/type.
func (s *Server) setType(w http.ResponseWriter, r *http.Request, sess *session) {
	typ, err := tickets.ParseType(r.PostFormValue("type"))
	if err != nil {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_value", ticketURL(r))
		return
	}
	s.change(w, r, sess, func(tx tickets.Tx, key string) error {
		_, err := tx.SetType(key, sess.analyst, typ)
		return err
	})
}

// setDepartment is POST /tickets/{key}/department.
func (s *Server) setDepartment(w http.ResponseWriter, r *http.Request, sess *session) {
	dep := strings.TrimSpace(r.PostFormValue("department"))
	if dep == "" || len(dep) > 200 {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_value", ticketURL(r))
		return
	}
	s.change(w, r, sess, func(tx tickets.Tx, key string) error {
		_, err := tx.SetDepartment(key, sess.analyst, dep)
		return err
	})
}

// setAssignee is POST /tickets/{key}/assignee; empty unassigns.
func (s *Server) setAssignee(w http.ResponseWriter, r *http.Request, sess *session) {
	who := strings.TrimSpace(r.PostFormValue("assignee"))
	if len(who) > 200 {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_value", ticketURL(r))
		return
	}
	s.change(w, r, sess, func(tx tickets.Tx, key string) error {
		_, err := tx.SetAssignee(key, sess.analyst, who)
		return err
	})
}

// change runs one change of a ticket and sends the browser back to it.
func (s *Server) change(w http.ResponseWriter, r *http.Request, sess *session, fn func(tickets.Tx, string) error) {
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return fn(tx, r.PathValue("key")) })
	if s.actionError(w, r, sess, err) {
		return
	}
	seeOther(w, r, ticketURL(r), "changed")
}

// actionError answers for a failed change of a ticket; false when there
// was none.
func (s *Server) actionError(w http.ResponseWriter, r *http.Request, sess *session, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, tickets.ErrNotFound):
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/tickets")
	default:
		s.internal(w, r, sess, err)
	}
	return true
}

// analystAttachment is GET /tickets/{key}/attachments/{id}.
func (s *Server) analystAttachment(w http.ResponseWriter, r *http.Request, sess *session) {
	a, data, err := s.attachment(r, r.PathValue("key"), r.PathValue("id"), true)
	if errors.Is(err, tickets.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", ticketURL(r))
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	sendAttachment(w, a, data)
}

// attachment reads an attachment of a ticket, ErrNotFound when the ticket
// has no such attachment in a message the viewer may see.
func (s *Server) attachment(r *http.Request, key, id string, notes bool) (tickets.Attachment, []byte, error) {
	var a tickets.Attachment
	var data []byte
	err := s.store.View(r.Context(), func(v tickets.View) error {
		d, err := v.Detail(key)
		if err != nil {
			return err
		}
		var ok bool
		if a, ok = findAttachment(d, id, notes); !ok {
			return tickets.ErrNotFound
		}
		data, err = v.AttachmentData(a.ID)
		return err
	})
	return a, data, err
}
