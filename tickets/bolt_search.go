package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Search implements Store from the in-memory search index (bolt_index.go):
// the first search builds it, each one catches it up with the change log
// and answers in the same read transaction. Text words must each be a
// prefix of a word of the subject or of a message from the customer or an
// analyst (internal notes are not searched, see searchable).
func (s *BoltStore) Search(ctx context.Context, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if err := s.index.acquire(ctx); err != nil {
		return Page{}, fmt.Errorf("search: %w", err)
	}
	defer s.index.release()
	var page Page
	err := s.useIndex(ctx, func(d *indexData, tx *bolt.Tx) error {
		nums, total, counts := d.query(q)
		page = Page{Total: total, Counts: counts}
		b := tx.Bucket(bTickets)
		for _, n := range nums {
			var tk Ticket
			if err := json.Unmarshal(b.Get(u64(n)), &tk); err != nil {
				return fmt.Errorf("decode ticket %d: %w", n, err)
			}
			page.Tickets = append(page.Tickets, tk)
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("search: %w", err)
	}
	return page, nil
}

// WarmIndex builds the search index now, so that the first search after a
// start does not wait for it: serve runs it in the background (a few
// seconds for 100,000 tickets), and then every few seconds to catch up.
// Searches meanwhile wait for it, or for their context. It then drops the
// change log entries the index has applied.
func (s *BoltStore) WarmIndex(ctx context.Context) error {
	if err := s.index.acquire(ctx); err != nil {
		return fmt.Errorf("warm search index: %w", err)
	}
	var applied uint64
	err := s.useIndex(ctx, func(d *indexData, _ *bolt.Tx) error {
		applied = d.seq
		return nil
	})
	s.index.release()
	if err != nil {
		return fmt.Errorf("warm search index: %w", err)
	}
	return s.pruneChanges(ctx, applied)
}

// useIndex is index.use with bbolt's panics (a corrupt page) turned into
// an error that breaks the store, as view does for the other reads: serve
// keeps the index warm in the background, where a panic would end it.
func (s *BoltStore) useIndex(ctx context.Context, fn func(*indexData, *bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.index.data = nil // perhaps half caught up
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
		if errors.Is(err, ErrCorrupt) {
			s.state.markBroken(err)
		}
	}()
	return s.index.use(ctx, s.db, fn)
}
