package tickets

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// boltTx implements View and Tx on one bbolt transaction.
type boltTx struct {
	tx       *bolt.Tx
	opts     *Options
	enqueued bool // an outbox entry was added
	// logged is the ticket whose change this transaction logged last: a
	// new ticket's event and first message need one entry, not two.
	logged uint64
}

func (t *boltTx) get(bucket, key []byte, v any) error {
	data := t.tx.Bucket(bucket).Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s record: %w", bucket, err)
	}
	return nil
}

func (t *boltTx) put(bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s record: %w", bucket, err)
	}
	if err := t.tx.Bucket(bucket).Put(key, data); err != nil {
		return fmt.Errorf("write %s record: %w", bucket, err)
	}
	return nil
}

// keyNumber finds the number of a ticket key of any prefix, so that keys
// made before a change of ticket_prefix still resolve.
func keyNumber(key string) (uint64, bool) {
	i := strings.LastIndexByte(key, '-')
	if i <= 0 || i == len(key)-1 {
		return 0, false
	}
	n, err := strconv.ParseUint(key[i+1:], 10, 64)
	return n, err == nil
}

func (t *boltTx) ticketNum(key string) (uint64, Ticket, error) {
	n, ok := keyNumber(key)
	if !ok {
		return 0, Ticket{}, fmt.Errorf("ticket %q: %w", key, ErrNotFound)
	}
	var tk Ticket
	if err := t.get(bTickets, u64(n), &tk); err != nil {
		return 0, Ticket{}, fmt.Errorf("ticket %q: %w", key, err)
	}
	if !strings.EqualFold(tk.Key, key) {
		return 0, Ticket{}, fmt.Errorf("ticket %q: %w", key, ErrNotFound)
	}
	return n, tk, nil
}

func (t *boltTx) Ticket(key string) (Ticket, error) {
	_, tk, err := t.ticketNum(key)
	return tk, err
}

func (t *boltTx) Detail(key string) (TicketDetail, error) {
	n, tk, err := t.ticketNum(key)
	if err != nil {
		return TicketDetail{}, err
	}
	d := TicketDetail{Ticket: tk, Messages: []Message{}, Events: []Event{}}
	err = t.eachMessage(n, func(m Message) error {
		d.Messages = append(d.Messages, m)
		return nil
	})
	if err != nil {
		return TicketDetail{}, fmt.Errorf("messages of %s: %w", key, err)
	}
	prefix := u64(n)
	c := t.tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return TicketDetail{}, fmt.Errorf("decode event of %s: %w", key, err)
		}
		d.Events = append(d.Events, e)
	}
	return d, nil
}

// eachMessage calls fn for the messages of ticket n in order.
func (t *boltTx) eachMessage(n uint64, fn func(Message) error) error {
	prefix := u64(n)
	c := t.tx.Bucket(bMessages).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var m Message
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode message: %w", err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (t *boltTx) Tickets(f Filter) ([]Ticket, error) {
	var out []Ticket
	err := t.tx.Bucket(bTickets).ForEach(func(_, v []byte) error {
		var tk Ticket
		if err := json.Unmarshal(v, &tk); err != nil {
			return fmt.Errorf("decode ticket: %w", err)
		}
		if f.matches(tk) {
			out = append(out, tk)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Ticket) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (f Filter) matches(t Ticket) bool {
	return (f.Status == "" || t.Status == f.Status) &&
		(f.Type == "" || t.Type == f.Type) &&
		(f.Department == "" || strings.EqualFold(t.Department, f.Department)) &&
		(f.Assignee == "" || strings.EqualFold(t.Assignee, f.Assignee)) &&
		(f.Requester == "" || SameEmail(t.Requester, f.Requester))
}

// normMessageID strips angle brackets and blanks so that every spelling of
// one Message-ID finds the same entry.
func normMessageID(id string) []byte {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	return []byte(strings.TrimSpace(id))
}

func (t *boltTx) TicketByMessageID(messageID string) (string, bool, error) {
	id := normMessageID(messageID)
	if len(id) == 0 {
		return "", false, nil
	}
	v := t.tx.Bucket(bMsgIDs).Get(id)
	if v == nil || bytes.Equal(v, ambiguousMessageID) {
		return "", false, nil
	}
	var tk Ticket
	if err := t.get(bTickets, v, &tk); err != nil {
		return "", false, fmt.Errorf("ticket of message-id %s: %w", id, err)
	}
	return tk.Key, true, nil
}

func (t *boltTx) Seen(dedupeKey string) (Inbound, bool, error) {
	v := t.tx.Bucket(bDedupe).Get([]byte(dedupeKey))
	if v == nil {
		return Inbound{}, false, nil
	}
	in, err := t.Inbound(binary.BigEndian.Uint64(v))
	if err != nil {
		return Inbound{}, false, err
	}
	return in, true, nil
}

func (t *boltTx) Inbound(id uint64) (Inbound, error) {
	var in Inbound
	if err := t.get(bInbound, u64(id), &in); err != nil {
		return Inbound{}, fmt.Errorf("inbound %d: %w", id, err)
	}
	return in, nil
}

func (t *boltTx) InboundList(outcome Outcome) ([]Inbound, error) {
	return t.InboundLatest(outcome, 0)
}

// InboundLatest walks the records newest first; a record whose bytes do
// not name the outcome is skipped without decoding it.
func (t *boltTx) InboundLatest(outcome Outcome, limit int) ([]Inbound, error) {
	var out []Inbound
	mark := []byte(`"outcome":"` + string(outcome) + `"`)
	c := t.tx.Bucket(bInbound).Cursor()
	for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
		if outcome != "" && !bytes.Contains(v, mark) {
			continue
		}
		var in Inbound
		if err := json.Unmarshal(v, &in); err != nil {
			return nil, fmt.Errorf("decode inbound: %w", err)
		}
		if outcome == "" || in.Outcome == outcome {
			out = append(out, in)
		}
	}
	return out, nil
}

func (t *boltTx) Raw(id uint64) ([]byte, error) {
	in, err := t.Inbound(id)
	if err != nil {
		return nil, err
	}
	if in.RawOf != 0 {
		id = in.RawOf
	}
	v := t.getRaw(id)
	if v == nil {
		return nil, fmt.Errorf("raw message %d: %w", id, ErrNotFound)
	}
	return v, nil
}

func (t *boltTx) AttachmentData(id string) ([]byte, error) {
	v := t.getAttachment(id)
	if v == nil {
		return nil, fmt.Errorf("attachment %s: %w", id, ErrNotFound)
	}
	return v, nil
}

func (t *boltTx) Customer(email string) (Customer, bool, error) {
	var c Customer
	err := t.get(bCustomers, []byte(NormalizeEmail(email)), &c)
	if errors.Is(err, ErrNotFound) {
		return Customer{}, false, nil
	}
	return c, err == nil, err
}

func (t *boltTx) Customers() ([]Customer, error) {
	var out []Customer
	err := t.tx.Bucket(bCustomers).ForEach(func(_, v []byte) error {
		var c Customer
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode customer: %w", err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

func (t *boltTx) Outbox(state string) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := t.tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode outbox entry: %w", err)
		}
		if state == "" || e.State == state {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func (t *boltTx) Secret() ([]byte, error) {
	v := t.tx.Bucket(bMeta).Get(kSecret)
	if v == nil {
		return nil, fmt.Errorf("deep-link secret: %w", ErrNotFound)
	}
	return bytes.Clone(v), nil
}
