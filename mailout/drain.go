package mailout

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// batch is how many due entries are read, marked and sent at a time.
const batch = 64

// maxRecord bounds how many outcomes one Update writes.
const maxRecord = 64

// job is one entry in hand: as marked in the store, with its ticket.
type job struct {
	e     tickets.OutboxEntry
	tk    tickets.Ticket
	links mailLinks
}

// Drain sends every entry due now and returns when the next one falls due
// (zero when none is pending). Each batch costs one read, one write that
// marks its attempts (and records its suppressions) before anything is
// sent, the sends (Connections at a time) and a few writes of their
// outcomes, grouped as they come in. It returns an error when the store
// failed: then nothing more is sent, and the outcomes not yet written are
// kept for the next Drain, which writes them before anything else. Once
// ctx is done no new send starts; those in hand finish on a context of
// their own (ShutdownGrace at most) and are recorded, and Drain returns
// ctx's error.
func (w *Worker) Drain(ctx context.Context) (time.Time, error) {
	w.drainMu.Lock()
	defer w.drainMu.Unlock()
	// Records outlive ctx: a send that happened must be written down even
	// when the process is stopping (the store refuses a cancelled ctx).
	rec := context.WithoutCancel(ctx)
	if err := w.flush(rec); err != nil {
		return time.Time{}, err
	}
	sendCtx, stopSends := w.sendContext(ctx)
	defer stopSends()
	for {
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		jobs, decided, next, err := w.prepare(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if len(jobs) == 0 && len(decided) == 0 {
			return next, nil
		}
		if err := w.mark(rec, jobs, decided); err != nil {
			return time.Time{}, err
		}
		if err := w.sendAll(ctx, sendCtx, rec, jobs); err != nil {
			return time.Time{}, err
		}
	}
}

// sendContext is the context sends run on: it does not end with ctx, but
// ShutdownGrace after it, so that a stop waits for the relay's reply to
// the message in hand instead of cutting it off and sending it again on
// the next start.
func (w *Worker) sendContext(ctx context.Context) (context.Context, func()) {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var grace *time.Timer
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		grace = time.AfterFunc(w.opts.ShutdownGrace, cancel)
	})
	return sendCtx, func() {
		stop()
		mu.Lock()
		if grace != nil {
			grace.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

// prepare reads a batch of due entries with what sending them needs, and
// applies the loop budget: decided holds the entries suppressed by it.
func (w *Worker) prepare(ctx context.Context) (jobs []job, decided []tickets.OutboxEntry, next time.Time, err error) {
	now := w.opts.Now()
	since := now.Add(-w.opts.LoopWindow)
	err = w.store.View(ctx, func(v tickets.View) error {
		var due []tickets.OutboxEntry
		var err error
		if due, next, err = v.OutboxDue(now, batch); err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if len(due) == 0 {
			return nil
		}
		// Entries of this batch count toward the budget of the ones after
		// them, as if each were sent before the next is looked at.
		perAddr, perDomain := map[string]int{}, map[string]int{}
		for _, e := range due {
			j := job{e: e}
			if e.Ticket != "" {
				if j.tk, err = v.Ticket(e.Ticket); err != nil {
					return fmt.Errorf("outbox entry %d: %w", e.ID, err)
				}
			}
			if e.Automatic() {
				addr, dom := tickets.BudgetAddress(e.To), tickets.BudgetDomain(e.To)
				n, err := v.SentTo(addr, since)
				if err != nil {
					return fmt.Errorf("outbox entry %d: %w", e.ID, err)
				}
				nd, err := v.SentToDomain(dom, since)
				if err != nil {
					return fmt.Errorf("outbox entry %d: %w", e.ID, err)
				}
				n, nd = n+perAddr[addr], nd+perDomain[dom]
				var reason string
				switch {
				case n >= w.opts.LoopLimit:
					reason = fmt.Sprintf("loop budget: %d automatic messages to %s in %v already", n, addr, w.opts.LoopWindow)
				case dom != "" && nd >= w.opts.LoopLimitPerDomain:
					reason = fmt.Sprintf("loop budget: %d automatic messages to domain %s in %v already", nd, dom, w.opts.LoopWindow)
				}
				if reason != "" {
					e.State, e.LastError = tickets.OutboxSuppressed, reason
					w.opts.Logger.Warn("outbox suppressed", "outbox_id", e.ID, "kind", e.Kind, "ticket", e.Ticket, "to", e.To, "reason", reason)
					decided = append(decided, e)
					continue
				}
				perAddr[addr]++
				perDomain[dom]++
			}
			if j.links, err = readMailLinks(v, w.opts.Links, e, now); err != nil {
				return fmt.Errorf("outbox entry %d: %w", e.ID, err)
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, decided, next, err
}

// mark writes, in one Update and before anything is sent, the attempt of
// every job (Attempts counted, AttemptedAt, and NextAttempt moved to when
// a retry would be due, which also covers a crash during the send) and the
// decided entries. A store that cannot write fails here, and nothing goes
// out.
func (w *Worker) mark(ctx context.Context, jobs []job, decided []tickets.OutboxEntry) error {
	now := w.opts.Now().UTC()
	for i := range jobs {
		e := &jobs[i].e
		e.Attempts++
		e.AttemptedAt = now
		e.NextAttempt = now.Add(w.backoff(e.Attempts))
	}
	err := w.store.Update(ctx, func(tx tickets.Tx) error {
		for _, j := range jobs {
			c := j.e
			if err := tx.UpdateOutbox(&c); err != nil {
				return err
			}
		}
		for _, e := range decided {
			if err := tx.UpdateOutbox(&e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d outbox attempts: %w", len(jobs), err)
	}
	return nil
}

// sendAll sends the jobs, Connections at a time, while a recorder writes
// their outcomes in groups. The jobs of one recipient form a lane sent in
// order on one connection, so that a customer gets the confirmation before
// the reply and the reply before the status change. It stops starting
// sends when ctx ends (the entries not tried are put back as due now) or
// when a record failed (the entries not tried keep their mark, and go out
// once it falls due).
func (w *Worker) sendAll(ctx, sendCtx, rec context.Context, jobs []job) error {
	results := make(chan tickets.OutboxEntry, len(jobs))
	var failed atomic.Bool
	recDone := make(chan error, 1)
	go func() { recDone <- w.recorder(rec, results, &failed) }()
	slots := make(chan struct{}, w.opts.Connections)
	var wg sync.WaitGroup
	for _, lane := range lanes(jobs) {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if failed.Load() {
			break
		}
		if ctx.Err() != nil {
			for _, j := range lane {
				results <- w.untried(j)
			}
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			for _, j := range lane {
				switch {
				case failed.Load():
					return
				case ctx.Err() != nil:
					results <- w.untried(j)
				default:
					results <- w.send(sendCtx, j)
				}
			}
		})
	}
	wg.Wait()
	close(results)
	return <-recDone
}

// lanes groups jobs by recipient, in the order of their first job, each
// lane in the order of the outbox.
func lanes(jobs []job) [][]job {
	var out [][]job
	index := map[string]int{}
	for _, j := range jobs {
		k := tickets.NormalizeEmail(j.e.To)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], j)
	}
	return out
}

// untried undoes the mark of a job that was not sent because the worker
// is stopping: due at once, its attempt not counted.
func (w *Worker) untried(j job) tickets.OutboxEntry {
	e := j.e
	e.Attempts--
	e.NextAttempt = w.opts.Now().UTC()
	return e
}

// recorder writes the outcomes from in, as many per Update as have come
// in meanwhile. After a failed write it writes no more: that group and
// every later outcome are kept in memory for the next Drain, and failed
// tells sendAll to start no more sends.
func (w *Worker) recorder(ctx context.Context, in <-chan tickets.OutboxEntry, failed *atomic.Bool) error {
	var firstErr error
	for e := range in {
		group := []tickets.OutboxEntry{e}
	more:
		for len(group) < maxRecord {
			select {
			case e, ok := <-in:
				if !ok {
					break more
				}
				group = append(group, e)
			default:
				break more
			}
		}
		if firstErr == nil {
			err := w.record(ctx, group)
			if err == nil {
				continue
			}
			firstErr = err
			failed.Store(true)
			w.opts.Logger.Error("outbox outcomes kept in memory until the store writes again", "entries", len(group), "error", err)
		}
		for _, e := range group {
			w.unrecorded[e.ID] = e
		}
	}
	return firstErr
}

// flush writes the outcomes kept from a failed record.
func (w *Worker) flush(ctx context.Context) error {
	if len(w.unrecorded) == 0 {
		return nil
	}
	group := make([]tickets.OutboxEntry, 0, len(w.unrecorded))
	for _, e := range w.unrecorded {
		group = append(group, e)
	}
	if err := w.record(ctx, group); err != nil {
		return fmt.Errorf("%d outbox outcomes still unrecorded: %w", len(group), err)
	}
	clear(w.unrecorded)
	w.opts.Logger.Info("outbox outcomes recorded after the store came back", "entries", len(group))
	return nil
}

// record writes outcomes in one Update.
func (w *Worker) record(ctx context.Context, group []tickets.OutboxEntry) error {
	err := w.store.Update(ctx, func(tx tickets.Tx) error {
		for _, e := range group {
			if err := tx.UpdateOutbox(&e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d outbox outcomes: %w", len(group), err)
	}
	return nil
}
