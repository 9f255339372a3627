package tickets

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

func dueKey(e *OutboxEntry) []byte {
	return pair(uint64(e.NextAttempt.UnixNano()), e.ID)
}

func sentKey(addr string, at time.Time, id uint64) []byte {
	k := append([]byte(NormalizeEmail(addr)), 0)
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
	prefix := append([]byte(NormalizeEmail(addr)), 0)
	n := 0
	c := t.tx.Bucket(bSent).Cursor()
	for k, _ := c.Seek(sentKey(addr, since, 0)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n, nil
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
		if err := t.tx.Bucket(bSent).Put(sentKey(e.To, e.SentAt, e.ID), nil); err != nil {
			return fmt.Errorf("record sent mail: %w", err)
		}
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode outbox entry: %w", err)
	}
	return t.tx.Bucket(bOutbox).Put(u64(e.ID), data)
}
