// Package mailout sends the gateway's email: it drains the durable outbox
// that tickets keeps, composes each notification from the templates, and
// hands it to a transport (an SMTP relay, or .eml files in a folder). An
// entry is marked sent only after the transport accepted it, retried with
// backoff while the relay is down, and never lost across restarts; a crash
// between the relay's acceptance and the mark may resend it, always with
// the same Message-ID.
package mailout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// Sender is a support address mail is sent from, with its display name.
type Sender struct {
	Email string
	Name  string
}

// Options configure a Worker.
type Options struct {
	Transport Transport
	Templates *templates.Set
	// Language of the notifications: "pt-BR" or "en".
	Language string
	// BaseURL is where deep links point (the web view).
	BaseURL string
	// Senders give display names to the support addresses.
	Senders []Sender
	// AllowedAttachments and MaxAttachmentBytes are the inbound policy,
	// told to customers whose files were refused.
	AllowedAttachments []string
	MaxAttachmentBytes int64
	// LoopLimit automatic messages at most go to one address per
	// LoopWindow; the rest are suppressed.
	LoopLimit  int
	LoopWindow time.Duration
	// RetryMin is the first wait after a transient failure, doubling up
	// to RetryMax; after GiveUpAfter since the entry was made (or last
	// retried by an analyst) it fails.
	RetryMin    time.Duration
	RetryMax    time.Duration
	GiveUpAfter time.Duration
	// Links says how long the deep links of the emails live (zero: the
	// defaults of tickets.LinkPolicy).
	Links tickets.LinkPolicy
	// Logger receives one line per attempt.
	Logger *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Worker sends the outbox. One runs per store.
type Worker struct {
	store tickets.Store
	opts  Options
}

// NewWorker checks the options and fills defaults.
func NewWorker(store tickets.Store, opts Options) (*Worker, error) {
	if opts.Transport == nil || opts.Templates == nil {
		return nil, errors.New("mailout: transport and templates are required")
	}
	if opts.BaseURL == "" {
		return nil, errors.New("mailout: base URL is required for deep links")
	}
	if opts.Language == "" {
		opts.Language = "pt-BR"
	}
	if opts.LoopLimit <= 0 {
		opts.LoopLimit = 10
	}
	if opts.LoopWindow <= 0 {
		opts.LoopWindow = 3 * time.Hour
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = time.Minute
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(time.Hour, opts.RetryMin)
	}
	if opts.GiveUpAfter <= 0 {
		opts.GiveUpAfter = 72 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Worker{store: store, opts: opts}, nil
}

// idlePoll bounds how long the worker sleeps with nothing due, as a
// safety net beside the store's enqueue signal.
const idlePoll = time.Minute

// Run sends due entries until ctx is done: at once when the store signals
// an enqueue, otherwise when the next retry falls due.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next, err := w.Drain(ctx)
		wait := idlePoll
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			w.opts.Logger.Error("outbox", "error", err)
			wait = 5 * time.Second
		case !next.IsZero():
			wait = min(max(next.Sub(w.opts.Now()), 0), idlePoll)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-w.store.Enqueued():
		case <-timer.C:
		}
	}
}

// batch is how many due entries are read at a time.
const batch = 50

// Drain sends every entry due now and returns when the next one falls due
// (zero when none is pending).
func (w *Worker) Drain(ctx context.Context) (time.Time, error) {
	for {
		var due []tickets.OutboxEntry
		var next time.Time
		err := w.store.View(ctx, func(v tickets.View) error {
			var err error
			due, next, err = v.OutboxDue(w.opts.Now(), batch)
			return err
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("read outbox: %w", err)
		}
		if len(due) == 0 {
			return next, nil
		}
		// Every attempt moves its entry out of the due set (sent, failed,
		// suppressed or rescheduled), so this ends.
		for _, e := range due {
			if err := w.attempt(ctx, e); err != nil {
				return time.Time{}, err
			}
		}
	}
}

// attempt sends one entry and records what happened. It returns an error
// only when the store failed or ctx ended; a refused message is recorded.
func (w *Worker) attempt(ctx context.Context, e tickets.OutboxEntry) error {
	log := w.opts.Logger.With("outbox_id", e.ID, "kind", e.Kind, "ticket", e.Ticket, "message_id", e.MessageID)
	now := w.opts.Now()
	var (
		tk    tickets.Ticket
		links mailLinks
		sent  int
		files [][]byte
	)
	err := w.store.View(ctx, func(v tickets.View) error {
		var err error
		if links, err = readMailLinks(v, w.opts.Links, e, now); err != nil {
			return err
		}
		for _, a := range e.Attachments {
			data, err := v.AttachmentData(a.ID)
			if err != nil {
				return err
			}
			files = append(files, data)
		}
		if e.Ticket != "" {
			if tk, err = v.Ticket(e.Ticket); err != nil {
				return err
			}
		}
		if e.Automatic() {
			sent, err = v.SentTo(e.To, now.Add(-w.opts.LoopWindow))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox entry %d: %w", e.ID, err)
	}
	if e.Automatic() && sent >= w.opts.LoopLimit {
		e.State = tickets.OutboxSuppressed
		e.LastError = fmt.Sprintf("loop budget: %d automatic messages to %s in %v already", sent, e.To, w.opts.LoopWindow)
		log.Warn("outbox suppressed", "to", e.To, "reason", e.LastError)
		return w.record(ctx, &e)
	}
	msg, err := w.compose(e, tk, links, files)
	if err != nil {
		e.State, e.LastError = tickets.OutboxFailed, err.Error()
		log.Error("outbox compose failed", "error", err)
		return w.record(ctx, &e)
	}
	err = w.opts.Transport.Send(ctx, e.From, []string{e.To}, msg)
	if ctx.Err() != nil {
		// Shutting down: the entry stays as it was and goes out on the
		// next start.
		return ctx.Err()
	}
	e.Attempts++
	switch {
	case err == nil:
		e.State, e.SentAt, e.LastError = tickets.OutboxSent, w.opts.Now().UTC(), ""
		log.Info("outbox sent", "to", e.To, "attempts", e.Attempts)
	case IsPermanent(err):
		e.State, e.LastError = tickets.OutboxFailed, err.Error()
		log.Error("outbox refused", "to", e.To, "error", err)
	case now.Sub(e.Since()) >= w.opts.GiveUpAfter:
		e.State, e.LastError = tickets.OutboxFailed, fmt.Sprintf("gave up after %v: %v", w.opts.GiveUpAfter, err)
		log.Error("outbox gave up", "to", e.To, "error", err)
	default:
		e.NextAttempt, e.LastError = now.Add(w.backoff(e.Attempts)).UTC(), err.Error()
		log.Warn("outbox retry", "to", e.To, "attempts", e.Attempts, "next", e.NextAttempt, "error", err)
	}
	return w.record(ctx, &e)
}

func (w *Worker) record(ctx context.Context, e *tickets.OutboxEntry) error {
	err := w.store.Update(ctx, func(tx tickets.Tx) error {
		c := *e
		return tx.UpdateOutbox(&c)
	})
	if err != nil {
		return fmt.Errorf("record outbox entry %d: %w", e.ID, err)
	}
	return nil
}

// backoff is the wait before retry number n (1-based): RetryMin doubling
// up to RetryMax, with ±20% jitter so that entries queued together do not
// hit a recovering relay together.
func (w *Worker) backoff(n int) time.Duration {
	d := w.opts.RetryMin
	for i := 1; i < n && d < w.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, w.opts.RetryMax)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}
