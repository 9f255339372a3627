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
// for the list of one address's tickets (/me?k=), with a version and an
// expiry (tickets.LinkPolicy). A wrong or missing token, or a ticket the
// token is not for, gets the same bare 404 as a page that does not exist:
// nothing tells a guesser that the ticket is there. A genuine token that
// expired or was revoked gets the page that emails a fresh link (links.go). Internal notes are never shown, nor who the ticket is assigned
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
// a live link to it (status LinkValid); status says what else it is
// otherwise (LinkInvalid too for a ticket that does not exist).
func (s *Server) customerTicketView(r *http.Request, key, token string) (d customerTicketData, status tickets.LinkStatus, err error) {
	var detail tickets.TicketDetail
	err = s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if status, _, err = tickets.CheckTicketLink(v, s.opts.Links, key, token, s.opts.Now()); err != nil || status != tickets.LinkValid {
			return err
		}
		if detail, err = v.Detail(key); err != nil {
			return err
		}
		d.Announcements, err = currentAnnouncements(v)
		return err
	})
	if err != nil || status != tickets.LinkValid {
		return d, status, err
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
	// Not the list link itself (audit D6: a forwarded ticket link would
	// hand out every ticket of the address), but the page that emails it
	// to the address.
	d.ListURL = "/me/link"
	d.Closing = detail.Status.AfterCustomerReply() != detail.Status
	d.Upload = uploadPolicyView(s.opts.Attachments)
	return d, status, nil
}

// customerTicket is GET /t/{key}?k=TOKEN.
func (s *Server) customerTicket(w http.ResponseWriter, r *http.Request) {
	key, token := r.PathValue("key"), r.URL.Query().Get("k")
	d, status, err := s.customerTicketView(r, key, token)
	switch {
	case err != nil:
		s.internal(w, r, nil, err)
	case status.Fresh():
		s.linkExpired(w, r, key, token)
	case status != tickets.LinkValid:
		http.NotFound(w, r)
	default:
		s.render(w, http.StatusOK, templates.PageCustomerTicket, d)
	}
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
	d, status, err := s.customerTicketView(r, key, token)
	switch {
	case err != nil:
		s.internal(w, r, nil, err)
		return
	case status.Fresh():
		s.linkExpired(w, r, key, token)
		return
	case status != tickets.LinkValid:
		http.NotFound(w, r)
		return
	}
	page := "/t/" + url.PathEscape(d.T.Key) + "?" + url.Values{"k": {token}}.Encode()
	if !s.readForm(w, r, nil, page) {
		return
	}
	if !s.sameOrigin(r) || !tokenEqual(r.PostFormValue("k"), token) {
		s.fail(w, r, nil, http.StatusForbidden, "error.csrf", page)
		return
	}
	text := strings.TrimSpace(postedText(r, "text"))
	atts, refused, release, err := s.uploads(r)
	defer release()
	if errors.Is(err, errBusy) {
		s.opts.Logger.Warn("web: upload deferred", "ticket", d.T.Key, "reason", "memory budget busy")
		d.Draft, d.Error = postedText(r, "text"), "error.busy"
		s.render(w, http.StatusServiceUnavailable, templates.PageCustomerTicket, d)
		return
	}
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
	var status tickets.LinkStatus
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		status, _, err = tickets.CheckTicketLink(v, s.opts.Links, key, token, s.opts.Now())
		return err
	})
	switch {
	case err != nil:
		s.internal(w, r, nil, err)
		return
	case status.Fresh():
		s.linkExpired(w, r, key, token)
		return
	case status != tickets.LinkValid:
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
	now := s.opts.Now()
	var linkStatus tickets.LinkStatus
	var email string
	var keys tickets.LinkKeys
	var version uint32
	var ann []tickets.Announcement
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if linkStatus, email, err = tickets.CheckListLink(v, token, now); err != nil || linkStatus != tickets.LinkValid {
			return err
		}
		// The tickets' links are made under the address's version: it
		// is every listed ticket's requester.
		if keys, err = v.LinkKeys(); err != nil {
			return err
		}
		if version, err = v.LinkVersion(email); err != nil {
			return err
		}
		ann, err = currentAnnouncements(v)
		return err
	})
	switch {
	case err != nil:
		s.internal(w, r, nil, err)
		return
	case linkStatus.Fresh():
		s.linkExpired(w, r, "", token)
		return
	case linkStatus != tickets.LinkValid || email == "":
		http.NotFound(w, r)
		return
	}
	expires := now.Add(s.opts.Links.OrDefault().AfterClose)
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
			URL: "/t/" + url.PathEscape(tk.Key) + "?" + url.Values{"k": {tickets.TicketLink(keys, tk.Key, version, expires)}}.Encode()})
	}
	d.Pager = makePager(pageNo, s.opts.PageSize, len(page.Tickets), page.Total, func(p int) string { return link(status, p) })
	s.render(w, http.StatusOK, templates.PageCustomerList, d)
}
