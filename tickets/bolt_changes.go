package tickets

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bChanges is the change log: sequence → ticket number, one 16-byte entry
// whenever a ticket gets an event or a message (every change of a ticket
// is one or the other). Writers only append to it; the search index reads
// it to learn which tickets to read again, so that a write never pays for
// indexing; WarmIndex drops the entries the index has applied, so the log
// stays small. The bucket is made by the first write that needs it: a store
// from before it existed simply has no entries, and the index then starts
// from a full scan.
var bChanges = []byte("changes")

// changed returns err, or when it is nil records in the change log that
// ticket n changed. It takes the error of the write it follows so that the
// call sites in bolt_tx.go stay one line each. The index re-reads a logged
// ticket whole, so one entry per ticket and transaction is enough.
func (t *boltTx) changed(n uint64, err error) error {
	if err != nil || t.logged == n {
		return err
	}
	b := t.tx.Bucket(bChanges)
	if b == nil {
		if b, err = t.tx.CreateBucketIfNotExists(bChanges); err != nil {
			return fmt.Errorf("create change log: %w", err)
		}
	}
	b.FillPercent = appendFill
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("change log of ticket %d: %w", n, err)
	}
	if err := b.Put(u64(seq), u64(n)); err != nil {
		return fmt.Errorf("change log of ticket %d: %w", n, err)
	}
	t.logged = n
	return nil
}

// changesEnd is the sequence of the last entry of the change log.
func changesEnd(tx *bolt.Tx) uint64 {
	if b := tx.Bucket(bChanges); b != nil {
		return b.Sequence()
	}
	return 0
}

// changesSince calls fn with the ticket number of every change log entry
// after seq, in order, and returns the sequence of the last.
func changesSince(tx *bolt.Tx, seq uint64, fn func(n uint64)) uint64 {
	b := tx.Bucket(bChanges)
	if b == nil {
		return seq
	}
	c := b.Cursor()
	for k, v := c.Seek(u64(seq + 1)); k != nil; k, v = c.Next() {
		if len(k) == 8 && len(v) == 8 {
			fn(binary.BigEndian.Uint64(v))
			seq = binary.BigEndian.Uint64(k)
		}
	}
	return seq
}

// pruneChunk bounds the entries one pruning transaction deletes, so that
// ingest never waits long behind it.
const pruneChunk = 10000

// pruneChanges deletes the change log's entries up to seq once the index
// has applied them: it never reads them again, and a new process builds
// its own index from the tickets. The log's sequence is the bucket's, so
// deleting entries does not move it.
func (s *BoltStore) pruneChanges(ctx context.Context, upTo uint64) error {
	due := false // nothing to drop: no write, no commit
	if err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bChanges); b != nil {
			k, _ := b.Cursor().First()
			due = len(k) == 8 && binary.BigEndian.Uint64(k) <= upTo
		}
		return nil
	}); err != nil {
		return fmt.Errorf("prune change log: %w", err)
	}
	for due {
		n := 0
		err := s.commits.submit(func(tx *bolt.Tx) error {
			n = 0
			b := tx.Bucket(bChanges)
			if b == nil {
				return nil
			}
			var keys [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil && len(keys) < pruneChunk; k, _ = c.Next() {
				if len(k) == 8 && binary.BigEndian.Uint64(k) > upTo {
					break
				}
				keys = append(keys, bytes.Clone(k)) // outlives the cursor's page
			}
			for _, k := range keys {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n = len(keys)
			return nil
		})
		if err != nil {
			return fmt.Errorf("prune change log: %w", err)
		}
		if n < pruneChunk || ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}
