package mailout

import (
	"net/url"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// mailLinks are the deep links of one email, made when it is composed
// (so that a retry days later carries links that live from then), under
// the link versions of the moment: a link revoked before the email left
// is never sent.
type mailLinks struct {
	ticket string // token of the ticket's page, "" when none
	list   string // token of the recipient's list, "" when none
}

// readMailLinks makes the links of entry e in v. A ticket's link is made
// under its requester's version; the list link under the recipient's.
func readMailLinks(v tickets.View, p tickets.LinkPolicy, e tickets.OutboxEntry, now time.Time) (mailLinks, error) {
	var l mailLinks
	var err error
	if e.Ticket != "" {
		tk, err := v.Ticket(e.Ticket)
		if err != nil {
			return l, err
		}
		if l.ticket, err = tickets.NewTicketLink(v, p, tk, now); err != nil {
			return l, err
		}
	}
	// Every notification about a ticket shows the list too, as before;
	// the fresh ticket link a customer asked for shows only what they
	// asked for.
	if e.Kind != tickets.MailTicketLink && (e.Ticket != "" || e.Kind == tickets.MailListLink) {
		if l.list, err = tickets.NewListLink(v, p, e.To, now); err != nil {
			return l, err
		}
	}
	return l, nil
}

// urls puts the links on the web view's base URL.
func (l mailLinks) urls(base, key string) (ticketURL, listURL string) {
	base = strings.TrimRight(base, "/")
	if l.ticket != "" {
		ticketURL = base + "/t/" + url.PathEscape(key) + "?k=" + l.ticket
	}
	if l.list != "" {
		listURL = base + "/me?k=" + l.list
	}
	return ticketURL, listURL
}

// listLinkSubject is the subject of the email carrying a list link, which
// is about no one ticket.
func listLinkSubject(lang string) string {
	if lang == "en" {
		return "Your support tickets"
	}
	return "Seus chamados no suporte"
}
