package web

import (
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// A deep link that expired, was revoked, or was made before links had
// expiries (tickets.LinkStatus.Fresh) leads to a page where the customer
// types their address and a fresh link is emailed, through the outbox
// like every notification and so within the loop budget:
//
//   - for a ticket (POST /t/{key}/link), only to the ticket's requester or
//     a participant;
//   - for the list (POST /me/link, also offered from every ticket page
//     instead of the list link itself), only to an address that is the
//     requester of some ticket.
//
// The answer is the same page whether or not anything was sent, after the
// same store transaction (a commit either way), so that the page tells no
// one whether an address is known. Requests are limited per address, per
// client and overall (linkRequestLimits), counted whether or not the
// address is known, so the limits reveal nothing either.

// linkRequestData is the page of an expired link, the form to ask for
// the list link, and the answer to either.
type linkRequestData struct {
	chrome
	// List: the form asks for the list link; otherwise for Key's.
	List bool
	Key  string
	// Action is where the form posts; Token the dead link's token it
	// posts back (ticket links only).
	Action string
	Token  string
	// Expired: the page of a dead link (rather than a customer asking
	// for the list from a ticket's page).
	Expired bool
	// Sent: the answer to a request.
	Sent bool
}

// linkExpired answers a dead ticket link (key's, token given) or, when
// key is "", a dead list link, with the page that asks for a fresh one.
func (s *Server) linkExpired(w http.ResponseWriter, r *http.Request, key, token string) {
	d := linkRequestData{chrome: s.chrome(r, nil, ""), Expired: true}
	if key == "" {
		d.List, d.Action = true, "/me/link"
	} else {
		d.Key, d.Token = key, token
		d.Action = "/t/" + url.PathEscape(key) + "/link"
	}
	s.render(w, http.StatusGone, templates.PageLinkRequest, d)
}

// listLinkPage is GET /me/link: the form to ask for the list link by
// email, which the ticket page offers.
func (s *Server) listLinkPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, templates.PageLinkRequest, linkRequestData{chrome: s.chrome(r, nil, ""), List: true, Action: "/me/link"})
}

// requestTicketLink is POST /t/{key}/link: a fresh link to the ticket for
// the address typed, if it is on file for the ticket. The form must carry
// a token we made for this ticket (dead or alive), so that only someone
// who once had its link can ask, and come from this site.
func (s *Server) requestTicketLink(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !s.readForm(w, r, nil, "/t/"+url.PathEscape(key)) {
		return
	}
	var status tickets.LinkStatus
	var tk tickets.Ticket
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		status, tk, err = tickets.CheckTicketLink(v, s.opts.Links, key, r.PostFormValue("k"), s.opts.Now())
		return err
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if status == tickets.LinkInvalid {
		http.NotFound(w, r)
		return
	}
	d := linkRequestData{chrome: s.chrome(r, nil, ""), Key: tk.Key, Token: r.PostFormValue("k"),
		Action: "/t/" + url.PathEscape(tk.Key) + "/link", Expired: true}
	email, ok := s.linkRequestAllowed(w, r, &d)
	if !ok {
		return
	}
	var sent bool
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		var err error
		sent, err = tx.RequestTicketLink(tk.Key, email)
		return err
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	s.opts.Logger.Info("web: fresh ticket link asked for", "ticket", tk.Key, "sent", sent, "client", clientIP(r))
	d.Sent = true
	s.render(w, http.StatusOK, templates.PageLinkRequest, d)
}

// requestListLink is POST /me/link: a fresh link to the list of the
// address typed, if it is the requester of some ticket.
func (s *Server) requestListLink(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r, nil, "/me/link") {
		return
	}
	d := linkRequestData{chrome: s.chrome(r, nil, ""), List: true, Action: "/me/link", Expired: r.PostFormValue("expired") != ""}
	email, ok := s.linkRequestAllowed(w, r, &d)
	if !ok {
		return
	}
	var one string
	if email != "" {
		page, err := s.store.Search(r.Context(), tickets.Query{Filter: tickets.Filter{Requester: email}, Limit: 1})
		if err != nil {
			s.internal(w, r, nil, err)
			return
		}
		if len(page.Tickets) > 0 {
			one = page.Tickets[0].Key
		}
	}
	var sent bool
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error {
		var err error
		sent, err = tx.RequestListLink(email, one)
		return err
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	s.opts.Logger.Info("web: fresh list link asked for", "sent", sent, "client", clientIP(r))
	d.Sent = true
	s.render(w, http.StatusOK, templates.PageLinkRequest, d)
}

// linkRequestAllowed checks a posted request for a fresh link: from this
// site, within the limits. It answers itself when not, and returns the
// address typed ("" for anything that is not an address: then nothing
// is sent, and the answer is the same).
func (s *Server) linkRequestAllowed(w http.ResponseWriter, r *http.Request, d *linkRequestData) (string, bool) {
	if !s.sameOrigin(r) {
		s.render(w, http.StatusForbidden, templates.PageLinkRequest, withError(*d, "error.csrf"))
		return "", false
	}
	email := ""
	if a, err := mail.ParseAddress(strings.TrimSpace(r.PostFormValue("email"))); err == nil && strings.Contains(a.Address, "@") {
		email = tickets.NormalizeEmail(a.Address)
	}
	if !s.linkLimits.take(email, clientIP(r), s.opts.Now()) {
		s.opts.Logger.Warn("web: fresh link refused by the rate limit", "client", clientIP(r))
		s.render(w, http.StatusTooManyRequests, templates.PageLinkRequest, withError(*d, "error.link_rate"))
		return "", false
	}
	return email, true
}

func withError(d linkRequestData, label string) linkRequestData {
	d.Error = label
	return d
}

// revokeLinks is POST /tickets/{key}/revoke-links: every deep link of the
// ticket's requester (all their tickets' and their list's) stops working
// at once, for a leaked or forwarded email. Links made from now on work;
// the customer asks for one on the page a dead link shows.
func (s *Server) revokeLinks(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("key")
	var tk tickets.Ticket
	var version uint32
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error {
		var err error
		if tk, err = tx.Ticket(key); err != nil {
			return err
		}
		version, err = tx.RevokeLinks(tk.Requester)
		return err
	})
	if errors.Is(err, tickets.ErrNotFound) || errors.Is(err, tickets.ErrBadAddress) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/tickets/"+url.PathEscape(key))
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.opts.Logger.Info("web: customer's links revoked", "email", tk.Requester, "ticket", tk.Key, "version", version, "by", sess.analyst)
	seeOther(w, r, "/tickets/"+url.PathEscape(tk.Key), "links_revoked")
}
