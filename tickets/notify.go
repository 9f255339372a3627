package tickets

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// NewMessageID makes a Message-ID for outgoing mail about a ticket, on the
// domain of the support address it is sent from. It is chosen when the
// mail is enqueued and kept, so that a resend reuses it.
func NewMessageID(key, from string) string {
	_, domain, ok := strings.Cut(from, "@")
	if !ok || domain == "" {
		domain = "ticketgw.invalid"
	}
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails
	return "<" + strings.ToLower(key) + "." + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// maxReferences bounds the References header of notifications: the first
// message and the latest ones are what clients thread by.
const maxReferences = 20

// notice makes the outbox entry that tells a ticket's requester about a
// change, threaded under the ticket's messages so far. Its text is the
// newest message the customer can see, unless one is given.
func (t *boltTx) notice(n uint64, tk Ticket, kind, text string) (*OutboxEntry, error) {
	var ids []string
	var newest string
	err := t.eachMessage(n, func(m Message) error {
		if m.Direction == DirNote {
			return nil
		}
		newest = m.Text
		if m.MessageID != "" {
			ids = append(ids, "<"+string(normMessageID(m.MessageID))+">")
		}
		return nil
	})
	if text == "" {
		text = newest
	}
	if err != nil {
		return nil, err
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1], ids[len(ids)-maxReferences+1:]...)
	}
	e := &OutboxEntry{
		Kind:       kind,
		Ticket:     tk.Key,
		To:         tk.Requester,
		From:       tk.Address,
		MessageID:  NewMessageID(tk.Key, tk.Address),
		References: ids,
		Subject:    tk.Subject,
		Text:       text,
		Status:     tk.Status,
	}
	if len(ids) > 0 {
		e.InReplyTo = ids[len(ids)-1]
	}
	return e, nil
}
