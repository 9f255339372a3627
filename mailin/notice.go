package mailin

import (
	"cmp"

	"github.com/ticketgw/ticketgw/tickets"
)

// notice makes the outbox entry that tells the customer about their
// message. Its Message-ID is chosen now and indexed with the ticket in the
// same transaction, so a reply to it threads even before it was sent.
func (d *delivery) notice(tk tickets.Ticket, kind string) *tickets.OutboxEntry {
	p := d.parsed
	from := tk.Address
	if from == "" {
		from = d.route.Email
	}
	e := &tickets.OutboxEntry{
		Kind:      kind,
		Ticket:    tk.Key,
		To:        cmp.Or(d.requester, p.From),
		From:      from,
		MessageID: tickets.NewMessageID(tk.Key, from),
		Subject:   tk.Subject,
		Text:      clip(d.replyText, 600),
		Rejected:  d.refused,
		Status:    tk.Status,
	}
	if p.MessageID != "" {
		e.InReplyTo = bracketed(p.MessageID)
		for _, r := range p.References {
			e.References = append(e.References, bracketed(r))
		}
		e.References = append(e.References, e.InReplyTo)
	}
	return e
}

// heldNotice tells an unknown sender (senders = "registered") that their
// message was received and held. It belongs to no ticket.
func (d *delivery) heldNotice() *tickets.OutboxEntry {
	e := d.notice(tickets.Ticket{Subject: d.parsed.Subject, Address: d.route.Email}, tickets.MailUnknownSender)
	e.MessageID = tickets.NewMessageID("held", e.From)
	e.Rejected = nil
	return e
}
