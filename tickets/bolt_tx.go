package tickets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

func (t *boltTx) ReserveInboundID() (uint64, error) {
	id, err := t.tx.Bucket(bInbound).NextSequence()
	if err != nil {
		return 0, fmt.Errorf("reserve inbound id: %w", err)
	}
	return id, nil
}

func (t *boltTx) RecordInbound(in *Inbound, raw []byte, dedupeKey string) error {
	if in.ID == 0 {
		id, err := t.ReserveInboundID()
		if err != nil {
			return err
		}
		in.ID = id
	}
	id := in.ID
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = t.opts.Now().UTC()
	}
	if in.RawOf == 0 && raw != nil {
		if err := t.putRaw(id, raw); err != nil {
			return err
		}
	}
	if err := t.put(bInbound, u64(id), in); err != nil {
		return err
	}
	if dedupeKey != "" {
		if err := t.tx.Bucket(bDedupe).Put([]byte(dedupeKey), u64(id)); err != nil {
			return fmt.Errorf("record dedupe key: %w", err)
		}
	}
	return nil
}

func (t *boltTx) CreateTicket(tk *Ticket, first *Message) error {
	meta := t.tx.Bucket(bMeta)
	n := t.opts.FirstNumber
	if v := meta.Get(kNextTicket); v != nil {
		n = max(n, binary.BigEndian.Uint64(v))
	}
	// Skip numbers already taken (first_ticket_number lowered later).
	for t.tx.Bucket(bTickets).Get(u64(n)) != nil {
		n++
	}
	if err := meta.Put(kNextTicket, u64(n+1)); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	now := t.opts.Now().UTC()
	tk.Key = FormatKey(t.opts.Prefix, n)
	if tk.Status == "" {
		tk.Status = StatusOpen
	}
	tk.Requester = NormalizeEmail(tk.Requester)
	tk.CreatedAt, tk.UpdatedAt = now, now
	tk.Participants = addParticipants(tk.Participants, tk.Requester)
	if first != nil {
		tk.Participants = addParticipants(tk.Participants, first.To...)
		tk.Participants = addParticipants(tk.Participants, first.Cc...)
	}
	if err := t.put(bTickets, u64(n), tk); err != nil {
		return err
	}
	if err := t.addEvent(n, Event{At: now, Actor: tk.Requester, Kind: EventCreated, To: string(tk.Status)}); err != nil {
		return err
	}
	if first != nil {
		if err := t.addMessage(n, first); err != nil {
			return err
		}
	}
	return nil
}

func (t *boltTx) AppendMessage(key string, m *Message) (Ticket, error) {
	n, tk, err := t.ticketNum(key)
	if err != nil {
		return Ticket{}, err
	}
	now := t.opts.Now().UTC()
	if m.Direction == DirIn {
		if next := tk.Status.AfterCustomerReply(); next != tk.Status {
			if err := t.addEvent(n, Event{At: now, Actor: NormalizeEmail(m.From), Kind: EventStatus, From: string(tk.Status), To: string(next)}); err != nil {
				return Ticket{}, err
			}
			tk.Status = next
		}
		tk.Participants = addParticipants(tk.Participants, m.From)
		tk.Participants = addParticipants(tk.Participants, m.To...)
		tk.Participants = addParticipants(tk.Participants, m.Cc...)
	}
	tk.UpdatedAt = now
	if err := t.put(bTickets, u64(n), &tk); err != nil {
		return Ticket{}, err
	}
	if err := t.addMessage(n, m); err != nil {
		return Ticket{}, err
	}
	return tk, nil
}

func (t *boltTx) SetStatus(key, actor string, s Status) (Ticket, error) {
	if _, err := ParseStatus(string(s)); err != nil {
		return Ticket{}, err
	}
	n, tk, err := t.ticketNum(key)
	if err != nil {
		return Ticket{}, err
	}
	if tk.Status == s {
		return tk, nil
	}
	now := t.opts.Now().UTC()
	if err := t.addEvent(n, Event{At: now, Actor: actor, Kind: EventStatus, From: string(tk.Status), To: string(s)}); err != nil {
		return Ticket{}, err
	}
	tk.Status, tk.UpdatedAt = s, now
	if err := t.put(bTickets, u64(n), &tk); err != nil {
		return Ticket{}, err
	}
	e, err := t.notice(n, tk, MailStatus, "")
	if err != nil {
		return Ticket{}, err
	}
	return tk, t.Enqueue(e)
}

func (t *boltTx) Reply(key, actor, text string, atts []Attachment) (Message, error) {
	n, tk, err := t.ticketNum(key)
	if err != nil {
		return Message{}, err
	}
	if strings.TrimSpace(text) == "" {
		return Message{}, fmt.Errorf("reply to %s: empty text", key)
	}
	e, err := t.notice(n, tk, MailReply, text)
	if err != nil {
		return Message{}, err
	}
	m := &Message{
		Direction:   DirOut,
		From:        actor,
		To:          []string{tk.Requester},
		Subject:     tk.Subject,
		MessageID:   e.MessageID,
		Text:        text,
		FullText:    text,
		Attachments: atts,
	}
	if _, err := t.AppendMessage(key, m); err != nil {
		return Message{}, err
	}
	e.Attachments = m.Attachments
	if err := t.Enqueue(e); err != nil {
		return Message{}, err
	}
	return *m, nil
}

// addMessage stores m (and its attachments) under ticket n and indexes its
// Message-ID for threading.
func (t *boltTx) addMessage(n uint64, m *Message) error {
	b := t.tx.Bucket(bMessages)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	m.ID = strconv.FormatUint(seq, 10)
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = t.opts.Now().UTC()
	}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	if m.Rejected == nil {
		m.Rejected = []Rejected{}
	}
	for i := range m.Attachments {
		a := &m.Attachments[i]
		a.ID = m.ID + "." + strconv.Itoa(i+1)
		a.Size = int64(len(a.Data))
		if err := t.putAttachment(a.ID, a.Data); err != nil {
			return fmt.Errorf("store attachment %s: %w", a.Filename, err)
		}
	}
	if err := t.put(bMessages, pair(n, seq), m); err != nil {
		return err
	}
	return t.changed(n, t.indexMessageID(m.MessageID, n)) // search: log the change (bolt_changes.go)
}

func (t *boltTx) indexMessageID(messageID string, n uint64) error {
	id := normMessageID(messageID)
	if len(id) == 0 || len(id) > 900 {
		return nil
	}
	b := t.tx.Bucket(bMsgIDs)
	val := u64(n)
	if old := b.Get(id); old != nil && !bytes.Equal(old, val) {
		// Two tickets claim one Message-ID: someone reused it (security
		// audit D19). Neither threads by it from now on, so that a
		// stranger's copy cannot take the real one's replies over.
		val = ambiguousMessageID
	}
	if err := b.Put(id, val); err != nil {
		return fmt.Errorf("index message-id: %w", err)
	}
	return nil
}

// ambiguousMessageID marks, in the Message-ID index, an ID that more than
// one ticket holds. A ticket number is 8 bytes; this is one.
var ambiguousMessageID = []byte{0}

func (t *boltTx) addEvent(n uint64, e Event) error {
	seq, err := t.tx.Bucket(bEvents).NextSequence()
	if err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	return t.changed(n, t.put(bEvents, pair(n, seq), e)) // search: log the change (bolt_changes.go)
}

func (t *boltTx) Enqueue(e *OutboxEntry) error {
	b := t.tx.Bucket(bOutbox)
	id, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	e.ID = id
	now := t.opts.Now().UTC()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	if e.State == "" {
		e.State = OutboxPending
	}
	if e.NextAttempt.IsZero() {
		e.NextAttempt = e.CreatedAt
	}
	if err := t.put(bOutbox, u64(id), e); err != nil {
		return err
	}
	if e.State == OutboxPending {
		if err := t.tx.Bucket(bOutboxDue).Put(dueKey(e), nil); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		t.enqueued = true
	}
	if e.Ticket != "" {
		// The ticket's number is enough; no need to decode it.
		n, ok := keyNumber(e.Ticket)
		if !ok || t.tx.Bucket(bTickets).Get(u64(n)) == nil {
			return fmt.Errorf("enqueue for %s: %w", e.Ticket, ErrNotFound)
		}
		return t.indexMessageID(e.MessageID, n)
	}
	return nil
}

func (t *boltTx) AddCustomer(c Customer) error {
	c.Email = NormalizeEmail(c.Email)
	if c.Email == "" {
		return fmt.Errorf("add customer: empty address")
	}
	if c.AddedAt.IsZero() {
		c.AddedAt = t.opts.Now().UTC()
	}
	return t.put(bCustomers, []byte(c.Email), c)
}

func (t *boltTx) RemoveCustomer(email string) error {
	key := []byte(NormalizeEmail(email))
	b := t.tx.Bucket(bCustomers)
	if b.Get(key) == nil {
		return fmt.Errorf("customer %s: %w", email, ErrNotFound)
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("remove customer %s: %w", email, err)
	}
	return nil
}

// addParticipants adds addresses (lower-cased, once each) to a ticket's
// participants.
func addParticipants(list []string, addrs ...string) []string {
	for _, a := range addrs {
		a = NormalizeEmail(a)
		if a != "" && !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// IsParticipant tells whether addr may write into the ticket by its tag.
func (tk Ticket) IsParticipant(addr string) bool {
	return slices.Contains(tk.Participants, NormalizeEmail(addr))
}
