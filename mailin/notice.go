package mailin

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

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
		To:        p.From,
		From:      from,
		MessageID: newMessageID(tk.Key, from),
		Subject:   "[" + tk.Key + "] " + tk.Subject,
		Text:      preview(d.replyText),
		Rejected:  d.refused,
		Status:    tk.Status,
	}
	if p.MessageID != "" {
		e.InReplyTo = "<" + p.MessageID + ">"
		for _, r := range p.References {
			e.References = append(e.References, "<"+r+">")
		}
		e.References = append(e.References, e.InReplyTo)
	}
	return e
}

// newMessageID makes a Message-ID for outgoing mail about a ticket, on the
// domain of the support address it is sent from.
func newMessageID(key, from string) string {
	_, domain, ok := strings.Cut(from, "@")
	if !ok || domain == "" {
		domain = "ticketgw.invalid"
	}
	var b [10]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "<" + strings.ToLower(key) + "." + hex.EncodeToString(b[:]) + "@" + domain + ">"
}
