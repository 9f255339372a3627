package tickets

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// maxProblems bounds what Check reports: a store broken throughout says
// so in the first lines, and the check stays quick to read.
const maxProblems = 100

// Check looks the store over in one read transaction: bbolt's own
// consistency check (every page reachable once, keys in order, no page
// both used and free), then the store's invariants, which bbolt cannot
// know: every ticket, message and outbox entry decodes; every message and
// event belongs to a ticket that exists; every Message-ID and dedupe key
// points at a record that exists; every outbox entry names a ticket that
// exists, and the outbox's due index lists exactly its pending entries.
// It returns the problems found (none for a sound store, at most
// maxProblems); an error only when the check itself could not run.
func (s *BoltStore) Check(ctx context.Context) ([]string, error) {
	var problems []string
	add := func(format string, args ...any) bool {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
		return len(problems) < maxProblems
	}
	err := s.view(func(tx *bolt.Tx) error {
		// The channel is drained whatever comes: bbolt's checking
		// goroutine reads the transaction's pages until it closes it.
		for err := range tx.Check() {
			add("bbolt: %v", err)
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				add("bucket %q is missing", name)
			}
		}
		if len(problems) > 0 {
			return nil // the invariants read the buckets bbolt found broken
		}
		return checkInvariants(ctx, tx, add)
	})
	if err != nil {
		return nil, fmt.Errorf("check store: %w", err)
	}
	return problems, nil
}

// checkInvariants is Check's second half; add returns false once enough
// problems are known.
func checkInvariants(ctx context.Context, tx *bolt.Tx, add func(string, ...any) bool) error {
	tickets := tx.Bucket(bTickets)
	ticketOf := func(k []byte) (uint64, bool) {
		if len(k) < 8 {
			return 0, false
		}
		n := binary.BigEndian.Uint64(k[:8])
		return n, tickets.Get(u64(n)) != nil
	}
	more := true
	each := func(bucket []byte, fn func(k, v []byte)) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.First(); k != nil && more; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(k, v)
		}
		return nil
	}
	keys := map[string]uint64{} // ticket key → number, for the outbox
	steps := []struct {
		bucket []byte
		fn     func(k, v []byte)
	}{
		{bTickets, func(k, v []byte) {
			var tk Ticket
			switch {
			case len(k) != 8:
				more = add("tickets: key %x is not a ticket number", k)
			case json.Unmarshal(v, &tk) != nil:
				more = add("tickets: ticket %d does not decode", binary.BigEndian.Uint64(k))
			default:
				keys[tk.Key] = binary.BigEndian.Uint64(k)
			}
		}},
		{bMessages, func(k, v []byte) {
			var m Message
			if n, ok := ticketOf(k); !ok {
				more = add("messages: a message of ticket %d, which does not exist", n)
			} else if json.Unmarshal(v, &m) != nil {
				more = add("messages: a message of ticket %d does not decode", n)
			}
		}},
		{bEvents, func(k, _ []byte) {
			if n, ok := ticketOf(k); !ok {
				more = add("events: an event of ticket %d, which does not exist", n)
			}
		}},
		{bMsgIDs, func(k, v []byte) {
			switch {
			case bytes.Equal(v, ambiguousMessageID):
			case len(v) != 8:
				more = add("msgids: %q holds %x, not a ticket number", k, v)
			case tickets.Get(v) == nil:
				more = add("msgids: %q names ticket %d, which does not exist", k, binary.BigEndian.Uint64(v))
			}
		}},
		{bDedupe, func(k, v []byte) {
			if len(v) != 8 || tx.Bucket(bInbound).Get(v) == nil {
				more = add("dedupe: %q names no received message (%x)", k, v)
			}
		}},
	}
	for _, st := range steps {
		if err := each(st.bucket, st.fn); err != nil {
			return err
		}
	}
	// The outbox and its due index agree: each pending entry is listed
	// once, under its next attempt, and nothing else is.
	due := map[uint64]bool{}
	err := each(bOutboxDue, func(k, _ []byte) {
		if len(k) != 16 {
			more = add("outbox_due: key %x is not an attempt time and an entry", k)
			return
		}
		id := binary.BigEndian.Uint64(k[8:])
		var e OutboxEntry
		switch {
		case tx.Bucket(bOutbox).Get(k[8:]) == nil:
			more = add("outbox_due: entry %d does not exist", id)
		case json.Unmarshal(tx.Bucket(bOutbox).Get(k[8:]), &e) != nil:
			// reported with the outbox below
		case e.State != OutboxPending:
			more = add("outbox_due: entry %d is %s, not pending", id, e.State)
		case !bytes.Equal(dueKey(&e), k):
			more = add("outbox_due: entry %d is listed under another time than its next attempt", id)
		default:
			due[id] = true
		}
	})
	if err != nil {
		return err
	}
	return each(bOutbox, func(k, v []byte) {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil || len(k) != 8 {
			more = add("outbox: entry %x does not decode", k)
			return
		}
		if e.Ticket != "" {
			if _, ok := keys[e.Ticket]; !ok {
				more = add("outbox: entry %d is about ticket %s, which does not exist", e.ID, e.Ticket)
			}
		}
		if e.State == OutboxPending && !due[e.ID] {
			more = add("outbox: pending entry %d is not in the due index: it would never be sent", e.ID)
		}
	})
}

// Backup writes a consistent copy of the whole store to w, from one read
// transaction (bbolt's Tx.WriteTo): commits go on meanwhile, and the copy
// is the store as it was when the backup began. It returns the bytes
// written. A plain cp of the live file is not a backup: commits rewrite
// pages under it (the fault report found 12 corrupt copies in 40).
func (s *BoltStore) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up store: %w", err)
	}
	return n, nil
}

// CompactTo writes a compacted copy of the store to path (a file that
// does not exist or is empty): the same buckets, keys and sequences, on as few pages as they
// need, so that the space of deleted records is given back to the disk.
// The store itself is not changed: the caller checks the copy and puts it
// in place while no other process has the store open.
func (s *BoltStore) CompactTo(ctx context.Context, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	err = func() (err error) {
		defer recovered(&err) // a corrupt page of the source panics in bbolt
		return bolt.Compact(dst, s.db, 64<<20)
	}()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("compact: %w", err)
	}
	return nil
}
