// Package mailout sends the gateway's email: it drains the durable outbox
// that tickets keeps, composes each notification from the templates, and
// hands it to a transport (an SMTP relay, or .eml files in a folder). An
// entry is marked sent only after the transport accepted it, retried with
// backoff while the relay is down, and never lost across restarts; a crash
// between the relay's acceptance and the mark may resend it, always with
// the same Message-ID. Each attempt is written to the store before the
// message leaves, so a store that cannot write stops the outbox instead of
// letting it send the same mail again and again.
package mailout

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
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
	// LoopWindow (plus-addresses folded), and LoopLimitPerDomain to all
	// the addresses of one domain; the rest are suppressed.
	LoopLimit          int
	LoopLimitPerDomain int
	LoopWindow         time.Duration
	// Connections is how many entries are sent at once, each on its own
	// relay connection: one slow relay session does not hold the others,
	// and the outbox keeps up with ingest. Default 4.
	Connections int
	// MaxMessageBytes caps a composed message; a larger one goes without
	// its largest attachments and says they are on the ticket page. 0
	// means the relay's advertised SIZE when the transport knows one,
	// else DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// ShutdownGrace is how long the sends in hand may still take once
	// Run's context ends, so that a stop does not cut a relay off before
	// its reply and send the message again on the next start. Default 60s.
	ShutdownGrace time.Duration
	// StoreRetryMin is the first wait after the store failed (cannot
	// write), doubling up to StoreRetryMax; no mail is sent meanwhile.
	// Defaults 1s and 2m.
	StoreRetryMin time.Duration
	StoreRetryMax time.Duration
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

	// drainMu makes Drain one at a time: the outcomes below belong to
	// the one that made them.
	drainMu sync.Mutex
	// unrecorded holds the outcomes of attempts whose record failed (the
	// store could not write), by entry ID: the next Drain writes them
	// before it sends anything, and never sends them again.
	unrecorded map[uint64]tickets.OutboxEntry
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
	if opts.LoopLimitPerDomain <= 0 {
		opts.LoopLimitPerDomain = 500
	}
	if opts.Connections <= 0 {
		opts.Connections = 4
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = time.Minute
	}
	if opts.StoreRetryMin <= 0 {
		opts.StoreRetryMin = time.Second
	}
	if opts.StoreRetryMax < opts.StoreRetryMin {
		opts.StoreRetryMax = max(2*time.Minute, opts.StoreRetryMin)
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
	return &Worker{store: store, opts: opts, unrecorded: map[uint64]tickets.OutboxEntry{}}, nil
}

// idlePoll bounds how long the worker sleeps with nothing due, as a
// safety net beside the store's enqueue signal.
const idlePoll = time.Minute

// Run sends due entries until ctx is done: at once when the store signals
// an enqueue, otherwise when the next retry falls due. After a store
// failure it waits StoreRetryMin, doubling to StoreRetryMax while the
// failures go on, and sends nothing until the store writes again. When ctx
// ends, the sends in hand finish (within ShutdownGrace) and their outcome
// is recorded before Run returns, so the caller may close the store then.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		next, err := w.Drain(ctx)
		wait := idlePoll
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			failures++
			wait = w.storeBackoff(failures)
			w.opts.Logger.Error("outbox stopped: the store failed", "error", err, "retry_in", wait)
		case !next.IsZero():
			failures = 0
			wait = min(max(next.Sub(w.opts.Now()), 0), idlePoll)
		default:
			failures = 0
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

// storeBackoff is the wait after the n-th store failure in a row.
func (w *Worker) storeBackoff(n int) time.Duration {
	d := w.opts.StoreRetryMin
	for i := 1; i < n && d < w.opts.StoreRetryMax; i++ {
		d *= 2
	}
	return min(d, w.opts.StoreRetryMax)
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
