package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// The customers' pages need no account: the link in their email carries a
// token signed with the store's secret, for one ticket (/t/{KEY}?k=) or
// for the list of one address's tickets (/me?k=). A wrong or missing
// token, or a ticket the token is not for, gets the same bare 404 as a
// page that does not exist: nothing tells a guesser that the ticket is
// there. Internal notes are never shown, nor who the ticket is assigned
// to; the history shows the status changes only.

type customerTicketData struct {
	chrome
	T             tickets.Ticket
	Messages      []messageView
	Events        []tickets.Event
	Announcements []tickets.Announcement
	Token         string
	ReplyURL      string
	ListURL       string
	Closing       bool // a reply reopens the ticket
	Upload        uploadView
	Draft         string
}

// customerTicketView reads what the page of one ticket shows, if token is
// the ticket's; ok is false otherwise (and for a ticket that does not
// exist).
func (s *Server) customerTicketView(r *http.Request, key, token string) (d customerTicketData, ok bool, err error) {
	var detail tickets.TicketDetail
	var secret []byte
	err = s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if secret, err = v.Secret(); err != nil {
			return err
		}
		if token == "" || !tickets.VerifyTicketToken(secret, key, token) {
			return nil
		}
		if detail, err = v.Detail(key); err != nil {
			return err
		}
		if d.Announcements, err = currentAnnouncements(v); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if errors.Is(err, tickets.ErrNotFound) {
		return d, false, nil
	}
	if err != nil || !ok {
		return d, false, err
	}
	path := "/t/" + url.PathEscape(detail.Key)
	k := url.Values{"k": {token}}.Encode()
	d.chrome = s.chrome(r, nil, "")
	d.T = detail.Ticket
	d.Messages = s.thread(detail, false, func(id string) string { return path + "/attachments/" + url.PathEscape(id) + "?" + k })
	for _, e := range detail.Events {
		if e.Kind == tickets.EventCreated || e.Kind == tickets.EventStatus {
			d.Events = append(d.Events, e)
		}
	}
	d.Token = token
	d.ReplyURL = path + "/reply?" + k
	if detail.Requester != "" {
		d.ListURL = "/me?" + url.Values{"k": {tickets.CustomerToken(secret, detail.Requester)}}.Encode()
	}
	d.Closing = detail.Status.AfterCustomerReply() != detail.Status
	d.Upload = uploadPolicyView(s.opts.Attachments)
	return d, true, nil
}

// customerTicket is GET /t/{key}?k=TOKEN.
func (s *Server) customerTicket(w http.ResponseWriter, r *http.Request) {
	d, ok, err := s.customerTicketView(r, r.PathValue("key"), r.URL.Query().Get("k"))
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.render(w, http.StatusOK, templates.PageCustomerTicket, d)
}

// customerReply is POST /t/{key}/reply?k=TOKEN: the customer's words (and
// files, under the attachment policy) join the ticket as their message;
// like an emailed reply it may reopen the ticket, and analysts see it in
// the queue. No email goes back: the customer is looking at the page.
// The token is checked from the URL before the body is read, so that a
// stranger cannot make the server take an upload; the form repeats it
// (the post's CSRF token) and the Origin must be this site.
func (s *Server) customerReply(w http.ResponseWriter, r *http.Request) {
	key, token := r.PathValue("key"), r.URL.Query().Get("k")
	d, ok, err := s.customerTicketView(r, key, token)
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	page := "/t/" + url.PathEscape(d.T.Key) + "?" + url.Values{"k": {token}}.Encode()
	if !s.readForm(w, r, nil, page) {
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if !s.sameOrigin(r) || !tokenEqual(r.PostFormValue("k"), token) {
		s.fail(w, r, nil, http.StatusForbidden, "error.csrf", page)
		return
	}
	text := strings.TrimSpace(postedText(r, "text"))
	atts, refused, err := s.uploads(r)
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if refused != "" || text == "" && len(atts) == 0 {
		d.Draft = postedText(r, "text")
		if refused != "" {
			d.Error, d.ErrorDetail = "error.attachment", refused
		} else {
			d.Error = "error.empty_text"
		}
		s.render(w, http.StatusBadRequest, templates.PageCustomerTicket, d)
		return
	}
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		_, err := tx.CustomerReply(d.T.Key, text, atts)
		return err
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	s.opts.Logger.Info("web: customer reply from the page", "ticket", d.T.Key, "attachments", len(atts))
	seeOther(w, r, page, "customer_reply")
}

// customerAttachment is GET /t/{key}/attachments/{id}?k=TOKEN.
func (s *Server) customerAttachment(w http.ResponseWriter, r *http.Request) {
	key, token := r.PathValue("key"), r.URL.Query().Get("k")
	var secret []byte
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		secret, err = v.Secret()
		return err
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if token == "" || !tickets.VerifyTicketToken(secret, key, token) {
		http.NotFound(w, r)
		return
	}
	a, data, err := s.attachment(r, key, r.PathValue("id"), false)
	if errors.Is(err, tickets.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	sendAttachment(w, a, data)
}

type customerListData struct {
	chrome
	Email         string
	Token         string
	Status        string
	Text          string
	Tabs          []tab
	Tickets       []ticketRow
	Pager         pager
	Announcements []tickets.Announcement
}

// customerList is GET /me?k=TOKEN: every ticket of the token's address,
// filtered by status and words, with the current announcements.
func (s *Server) customerList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("k")
	var secret []byte
	var email string
	var ok bool
	var ann []tickets.Announcement
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if secret, err = v.Secret(); err != nil {
			return err
		}
		if email, ok = tickets.VerifyCustomerToken(secret, token); !ok {
			return nil
		}
		ann, err = currentAnnouncements(v)
		return err
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if !ok || email == "" {
		http.NotFound(w, r)
		return
	}
	status, text, pageNo := q.Get("status"), strings.TrimSpace(q.Get("q")), parsePage(q.Get("page"))
	query := tickets.Query{Filter: tickets.Filter{Requester: email}, Text: text, Offset: (pageNo - 1) * s.opts.PageSize, Limit: s.opts.PageSize}
	if st, err := tickets.ParseStatus(status); err == nil {
		query.Status = st
	} else {
		status = ""
	}
	page, err := s.store.Search(r.Context(), query)
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	link := func(status string, p int) string {
		v := url.Values{"k": {token}}
		if status != "" {
			v.Set("status", status)
		}
		if text != "" {
			v.Set("q", text)
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		return "/me?" + v.Encode()
	}
	d := customerListData{chrome: s.chrome(r, nil, ""), Email: email, Token: token, Status: status, Text: text, Announcements: ann}
	d.Tabs = statusTabs(page.Counts, status, func(st string) string { return link(st, 0) })
	for _, tk := range page.Tickets {
		d.Tickets = append(d.Tickets, ticketRow{Ticket: tk,
			URL: "/t/" + url.PathEscape(tk.Key) + "?" + url.Values{"k": {tickets.TicketToken(secret, tk.Key)}}.Encode()})
	}
	d.Pager = makePager(pageNo, s.opts.PageSize, len(page.Tickets), page.Total, func(p int) string { return link(status, p) })
	s.render(w, http.StatusOK, templates.PageCustomerList, d)
}
