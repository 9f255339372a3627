package tickets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// OutboxCounts is the outbox as monitoring sees it.
type OutboxCounts struct {
	Pending int
	Failed  int
	// OldestPending is when the oldest pending entry was queued (zero
	// when none is).
	OldestPending time.Time
}

// failedState is how a failed entry's state reads in its JSON: counting
// failed entries looks for it instead of decoding every entry.
var failedState = []byte(`"state":"` + OutboxFailed + `"`)

func (t *boltTx) OutboxCounts() (OutboxCounts, error) {
	var out OutboxCounts
	// Pending entries are the keys of outbox_due (next attempt | id); the
	// smallest id is the oldest, entry ids counting up.
	var oldest uint64
	c := t.tx.Bucket(bOutboxDue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		out.Pending++
		if id := binary.BigEndian.Uint64(k[8:]); oldest == 0 || id < oldest {
			oldest = id
		}
	}
	if oldest != 0 {
		var e OutboxEntry
		if err := t.get(bOutbox, u64(oldest), &e); err != nil {
			return out, fmt.Errorf("outbox entry %d: %w", oldest, err)
		}
		out.OldestPending = e.CreatedAt
	}
	err := t.tx.Bucket(bOutbox).ForEach(func(_, v []byte) error {
		if bytes.Contains(v, failedState) {
			out.Failed++
		}
		return nil
	})
	return out, err
}
