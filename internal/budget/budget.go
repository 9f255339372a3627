// Package budget bounds the memory that large jobs in flight may use
// together: the ingest of a message (SMTP, LMTP, the deliver hand-off,
// IMAP) and the store of a page upload each cost some multiple of their
// size while they are parsed and committed, and without a common bound a
// dozen concurrent large messages take the process to gigabytes. A job
// acquires its whole cost before the expensive work and gives it back when
// done; since nothing holds part of the budget while it waits for more,
// waiting can never deadlock. Waiters are served in arrival order, so that
// a large job is not starved by a stream of small ones, and every wait is
// bounded by its context: the caller answers "try later" instead of
// blocking.
package budget

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrBusy is returned (wrapping the context's error) when the budget could
// not be had before the context was done: the caller should ask its client
// to try again later (SMTP 451, HTTP 503).
var ErrBusy = errors.New("memory budget busy")

// Budget is a byte budget and a count of jobs in flight. The zero value is
// not usable; a nil *Budget admits everything at once, for callers that
// run without a bound (tests, one-shot commands).
type Budget struct {
	bytes int64 // capacity
	slots int   // jobs in flight at most

	mu      sync.Mutex
	used    int64
	running int
	waiting list.List // of *waiter, in arrival order
}

type waiter struct {
	need  int64
	ready chan struct{} // closed when granted
}

// New makes a budget of bytes shared by at most slots jobs in flight.
func New(bytes int64, slots int) (*Budget, error) {
	if bytes <= 0 {
		return nil, fmt.Errorf("budget: byte budget must be positive, not %d", bytes)
	}
	if slots <= 0 {
		return nil, fmt.Errorf("budget: jobs in flight must be positive, not %d", slots)
	}
	return &Budget{bytes: bytes, slots: slots}, nil
}

// Capacity is the byte budget.
func (b *Budget) Capacity() int64 {
	if b == nil {
		return 0
	}
	return b.bytes
}

// InUse is the bytes and jobs in flight now, for health pages and tests.
func (b *Budget) InUse() (bytes int64, jobs int) {
	if b == nil {
		return 0, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.running
}

// Waiting is the number of jobs waiting for the budget now.
func (b *Budget) Waiting() int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiting.Len()
}

// Acquire waits until cost bytes and one job slot are free, then takes
// them; release gives them back (calling it more than once is harmless).
// A cost above the whole budget is clamped to it: such a job runs alone
// rather than never. When ctx is done first, Acquire takes nothing and
// returns an error wrapping ErrBusy and ctx's error.
func (b *Budget) Acquire(ctx context.Context, cost int64) (release func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	cost = min(max(cost, 0), b.bytes)
	b.mu.Lock()
	if b.waiting.Len() == 0 && b.fits(cost) {
		b.take(cost)
		b.mu.Unlock()
		return b.releaser(cost), nil
	}
	w := &waiter{need: cost, ready: make(chan struct{})}
	e := b.waiting.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return b.releaser(cost), nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready:
		// Granted while the context ended: give it back.
		b.give(cost)
	default:
		b.waiting.Remove(e)
		b.grant() // the queue's head may have been waiting behind us
	}
	return nil, fmt.Errorf("%w: waited for %d bytes: %w", ErrBusy, cost, ctx.Err())
}

func (b *Budget) fits(cost int64) bool {
	return b.running < b.slots && b.used+cost <= b.bytes
}

func (b *Budget) take(cost int64) {
	b.used += cost
	b.running++
}

// give returns cost and grants what now fits; b.mu is held.
func (b *Budget) give(cost int64) {
	b.used -= cost
	b.running--
	b.grant()
}

// grant admits waiters from the head of the queue while they fit; b.mu is
// held.
func (b *Budget) grant() {
	for e := b.waiting.Front(); e != nil; e = b.waiting.Front() {
		w := e.Value.(*waiter)
		if !b.fits(w.need) {
			return
		}
		b.take(w.need)
		b.waiting.Remove(e)
		close(w.ready)
	}
}

func (b *Budget) releaser(cost int64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.give(cost)
		})
	}
}
