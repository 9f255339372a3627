package tickets

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

func dueKey(e *OutboxEntry) []byte {
	return pair(uint64(e.NextAttempt.UnixNano()), e.ID)
}

// sentDomainMark starts the keys of bSent that count per domain: no
// normalised address starts with a control byte, so the two kinds of key
// share the bucket without meeting.
const sentDomainMark = 0x01

// BudgetAddress is the form under which the loop budget counts an
// address: normalised, with a "+tag" of the local part dropped, so that
// "Maria+x@d" and "maria@d" share one budget.
func BudgetAddress(addr string) string {
	a := NormalizeEmail(addr)
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return a
	}
	if plus := strings.IndexByte(a[:at], '+'); plus > 0 {
		return a[:plus] + a[at:]
	}
	return a
}

// BudgetDomain is the domain under which the per-domain loop budget
// counts an address ("" when it has none).
func BudgetDomain(addr string) string {
	a := NormalizeEmail(addr)
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return ""
	}
	return strings.TrimSuffix(a[at+1:], ".")
}

func sentKey(addr string, at time.Time, id uint64) []byte {
	k := append([]byte(BudgetAddress(addr)), 0)
	return append(k, pair(uint64(at.UnixNano()), id)...)
}

func sentDomainKey(domain string, at time.Time, id uint64) []byte {
	k := append([]byte{sentDomainMark}, domain...)
	k = append(k, 0)
	return append(k, pair(uint64(at.UnixNano()), id)...)
}

func (t *boltTx) OutboxDue(now time.Time, limit int) ([]OutboxEntry, time.Time, error) {
	var due []OutboxEntry
	c := t.tx.Bucket(bOutboxDue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k)))
		if at.After(now) || len(due) >= limit {
			return due, at, nil
		}
		var e OutboxEntry
		if err := t.get(bOutbox, k[8:], &e); err != nil {
			return nil, time.Time{}, fmt.Errorf("outbox entry %d: %w", binary.BigEndian.Uint64(k[8:]), err)
		}
		due = append(due, e)
	}
	return due, time.Time{}, nil
}

func (t *boltTx) SentTo(addr string, since time.Time) (int, error) {
	return t.countSent(sentKey(addr, since, 0), len(BudgetAddress(addr))+1), nil
}

func (t *boltTx) SentToDomain(domain string, since time.Time) (int, error) {
	domain = strings.TrimSuffix(NormalizeEmail(domain), ".")
	if domain == "" {
		return 0, nil
	}
	return t.countSent(sentDomainKey(domain, since, 0), len(domain)+2), nil
}

// countSent counts the keys of bSent from seek on that share its first n
// bytes (the address or domain and its terminator).
func (t *boltTx) countSent(seek []byte, n int) int {
	prefix := seek[:n]
	count := 0
	c := t.tx.Bucket(bSent).Cursor()
	for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		count++
	}
	return count
}

func (t *boltTx) UpdateOutbox(e *OutboxEntry) error {
	var old OutboxEntry
	if err := t.get(bOutbox, u64(e.ID), &old); err != nil {
		return fmt.Errorf("outbox entry %d: %w", e.ID, err)
	}
	due := t.tx.Bucket(bOutboxDue)
	if old.State == OutboxPending {
		if err := due.Delete(dueKey(&old)); err != nil {
			return fmt.Errorf("update outbox entry %d: %w", e.ID, err)
		}
	}
	if e.State == OutboxPending {
		if err := due.Put(dueKey(e), nil); err != nil {
			return fmt.Errorf("update outbox entry %d: %w", e.ID, err)
		}
	}
	if e.State == OutboxSent && old.State != OutboxSent && e.Automatic() {
		if e.SentAt.IsZero() {
			e.SentAt = t.opts.Now().UTC()
		}
		sent := t.tx.Bucket(bSent)
		if err := sent.Put(sentKey(e.To, e.SentAt, e.ID), nil); err != nil {
			return fmt.Errorf("record sent mail: %w", err)
		}
		if d := BudgetDomain(e.To); d != "" {
			if err := sent.Put(sentDomainKey(d, e.SentAt, e.ID), nil); err != nil {
				return fmt.Errorf("record sent mail: %w", err)
			}
		}
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode outbox entry: %w", err)
	}
	return t.tx.Bucket(bOutbox).Put(u64(e.ID), data)
}
