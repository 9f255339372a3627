package mailin

import (
	"errors"
	"slices"

	"github.com/ticketgw/ticketgw/tickets"
)

// How a message was matched to a ticket.
const (
	byReferences = "references"
	byTag        = "tag"
	byPlus       = "plus"
)

type match struct {
	key    string
	by     string
	ticket tickets.Ticket
}

// match finds the ticket a message belongs to: first by In-Reply-To and
// References naming a Message-ID the store knows (inbound or outbound),
// then by a [SUP-n] tag in the subject, then by a plus-address. A tag or
// plus-address for a ticket that does not exist matches nothing, so the
// message opens a new ticket.
func (d *delivery) match(tx tickets.View) (match, error) {
	p := d.parsed
	ids := slices.Clone(p.InReplyTo)
	for i := len(p.References) - 1; i >= 0; i-- {
		ids = append(ids, p.References[i])
	}
	for _, id := range ids {
		key, ok, err := tx.TicketByMessageID(id)
		if err != nil {
			return match{}, err
		}
		if ok {
			return d.found(tx, key, byReferences)
		}
	}
	for _, key := range subjectTags(p.Subject, d.g.opts.TicketPrefix) {
		if m, err := d.found(tx, key, byTag); !errors.Is(err, tickets.ErrNotFound) {
			return m, err
		}
	}
	for _, detail := range d.plusDetails() {
		for _, key := range subjectTags("["+detail+"]", d.g.opts.TicketPrefix) {
			if m, err := d.found(tx, key, byPlus); !errors.Is(err, tickets.ErrNotFound) {
				return m, err
			}
		}
	}
	return match{}, nil
}

// plusDetails are the details of our plus-addresses the message was sent
// to, in the header or the envelope.
func (d *delivery) plusDetails() []string {
	var out []string
	for _, list := range [][]string{d.parsed.To, d.parsed.Cc, {d.env.Recipient}, d.env.Recipients} {
		for _, a := range list {
			if r, ok := d.g.opts.lookup(a); ok && r.Detail != "" && !slices.Contains(out, r.Detail) {
				out = append(out, r.Detail)
			}
		}
	}
	return out
}

func (d *delivery) found(tx tickets.View, key, by string) (match, error) {
	tk, err := tx.Ticket(key)
	if err != nil {
		return match{}, err
	}
	return match{key: tk.Key, by: by, ticket: tk}, nil
}

// copiesRequester: the message is copied to the ticket's requester, as a
// colleague answering for them does ("Responder a todos" with the
// requester in Cc). A stranger guessing a tag would be writing in front of
// the very person whose ticket it is; help desks let such mail in and make
// its sender a participant.
func (d *delivery) copiesRequester(tk tickets.Ticket) bool {
	for _, a := range append(append([]string(nil), d.parsed.To...), d.parsed.Cc...) {
		if tk.Requester != "" && tickets.SameEmail(a, tk.Requester) {
			return true
		}
	}
	return false
}

// hold returns why a message must wait for an analyst instead of joining a
// ticket, or "". A tag or plus-address is easy to guess, so it lets in only
// the ticket's participants (tag spoofing guard); with senders =
// "registered", strangers who are not participants wait too.
func (d *delivery) hold(tx tickets.View, m match) string {
	if d.spam {
		return ReasonSpam
	}
	from := d.parsed.From
	participant := m.key != "" && (m.ticket.IsParticipant(from) || d.copiesRequester(m.ticket))
	if (m.by == byTag || m.by == byPlus) && !participant {
		return ReasonNotParticipant
	}
	if d.g.opts.RegisteredOnly && !participant {
		if _, ok, err := tx.Customer(from); err != nil || !ok {
			return ReasonUnknownSender
		}
	}
	return ""
}
