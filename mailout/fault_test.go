package mailout_test

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/mailout"
	"github.com/ticketgw/ticketgw/tickets"
)

// immutable sets or clears the immutable attribute of path with chattr:
// a real fault (every write to the open store then fails with EPERM, as
// with a read-only remount or a failing disk), the one of fault D1. The
// tests run as root; Cleanup clears it so that TempDir can be removed.
func immutable(t *testing.T, path string, on bool) {
	t.Helper()
	flag := "-i"
	if on {
		flag = "+i"
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
	}
	if out, err := exec.Command("chattr", flag, path).CombinedOutput(); err != nil {
		t.Fatalf("chattr %s %s: %v: %s", flag, path, err, out)
	}
}

// messageIDs counts the files of a dir transport by Message-ID: each file
// is one Message-ID, and countingTransport says how often each was sent.
type sendLog struct {
	mu    sync.Mutex
	byID  map[string]int
	total int
}

func (l *sendLog) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[string]int{}
	}
	l.byID[id]++
	l.total++
}

func (l *sendLog) counts() (total, distinct int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, len(l.byID)
}

// loggingTransport records the Message-ID of every message it is handed,
// then passes it on; after, when set, runs after the n-th send.
type loggingTransport struct {
	mailout.Transport
	log   sendLog
	mu    sync.Mutex
	n     int
	after func(n int)
}

func (l *loggingTransport) Send(ctx context.Context, from string, to []string, msg []byte) error {
	err := l.Transport.Send(ctx, from, to, msg)
	if err == nil {
		l.log.add(string(msg[:min(len(msg), 4096)]))
	}
	l.mu.Lock()
	l.n++
	n, f := l.n, l.after
	l.mu.Unlock()
	if f != nil {
		f(n)
	}
	return err
}

func newFaultEnv(t *testing.T) (*env, *loggingTransport) {
	t.Helper()
	dir, err := mailout.NewDirTransport(filepath.Join(t.TempDir(), "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &loggingTransport{Transport: dir}
	e := newEnv(t, tr)
	for i := range 3 {
		e.ingest(newTicketMail(fmt.Sprintf("f%d@cliente%d.com.br", i, i), fmt.Sprintf("fault%d@c", i), "Disco"))
	}
	return e, tr
}

// TestStoreUnwritableSendsNothing (fault D1): with the store unable to
// write, the worker's attempt mark fails and nothing is sent, however
// often it is retried; once the store writes again, each message goes out
// once.
func TestStoreUnwritableSendsNothing(t *testing.T) {
	e, tr := newFaultEnv(t)
	immutable(t, e.path, true)
	w := e.worker()
	for range 5 {
		if _, err := w.Drain(context.Background()); err == nil {
			t.Fatal("Drain with an unwritable store reported no error")
		}
		e.clock.Add(10 * time.Minute)
	}
	if total, _ := tr.log.counts(); total != 0 {
		t.Fatalf("%d messages sent while the store could not record them", total)
	}
	immutable(t, e.path, false)
	drain(t, w)
	if total, distinct := tr.log.counts(); total != 3 || distinct != 3 {
		t.Fatalf("after the store came back: %d sent, %d distinct; want 3 once each", total, distinct)
	}
	if s := e.outbox(tickets.OutboxSent); len(s) != 3 {
		t.Fatalf("%d recorded as sent", len(s))
	}
}

// TestUnrecordedSendIsNotRepeated (fault D1): the store stops writing
// after the messages were sent and before their outcome is recorded. The
// outcomes stay in memory; every later Drain fails without sending, also
// after the attempt's retry time has passed, and when the store writes
// again the outcomes are recorded, not sent again: each message reached
// the transport once.
func TestUnrecordedSendIsNotRepeated(t *testing.T) {
	e, tr := newFaultEnv(t)
	e.opts.Connections = 1 // the fault strikes between sends, deterministically
	var once sync.Once
	tr.after = func(int) { once.Do(func() { immutable(t, e.path, true) }) }
	w := e.worker()
	if _, err := w.Drain(context.Background()); err == nil {
		t.Fatal("Drain whose record failed reported no error")
	}
	for range 5 {
		e.clock.Add(10 * time.Minute) // past the marks' retry time
		if _, err := w.Drain(context.Background()); err == nil {
			t.Fatal("Drain with an unwritable store reported no error")
		}
	}
	sentBefore, _ := tr.log.counts()
	immutable(t, e.path, false)
	e.clock.Add(10 * time.Minute)
	drain(t, w)
	drain(t, w)
	total, distinct := tr.log.counts()
	if total != distinct || distinct != 3 {
		t.Fatalf("%d sends of %d messages (%d before the store came back); want each once", total, distinct, sentBefore)
	}
	for _, s := range e.outbox(tickets.OutboxSent) {
		if s.AttemptedAt.IsZero() {
			t.Errorf("entry %d: no attempt recorded", s.ID)
		}
	}
	if s := e.outbox(tickets.OutboxSent); len(s) != 3 {
		t.Fatalf("%d recorded as sent", len(s))
	}
}

// logCounter is a slog handler that counts records with one message and
// keeps when they came.
type logCounter struct {
	msg string
	mu  sync.Mutex
	at  []time.Time
	hit chan struct{}
}

func (h *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logCounter) WithGroup(string) slog.Handler            { return h }
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != h.msg {
		return nil
	}
	h.mu.Lock()
	h.at = append(h.at, time.Now())
	h.mu.Unlock()
	select {
	case h.hit <- struct{}{}:
	default:
	}
	return nil
}

// TestRunBacksOffWhileStoreFails: Run waits longer after each store
// failure in a row (StoreRetryMin doubling), instead of a fixed 5 s loop,
// and sends nothing meanwhile.
func TestRunBacksOffWhileStoreFails(t *testing.T) {
	e, tr := newFaultEnv(t)
	h := &logCounter{msg: "outbox stopped: the store failed", hit: make(chan struct{}, 16)}
	e.opts.Logger = slog.New(h)
	e.opts.StoreRetryMin, e.opts.StoreRetryMax = 40*time.Millisecond, time.Second
	immutable(t, e.path, true)
	select {
	case <-e.store.Enqueued(): // the ingests' signal: not what is measured
	default:
	}
	w := e.worker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	for range 4 {
		select {
		case <-h.hit:
		case <-time.After(10 * time.Second):
			t.Fatal("no store failure logged")
		}
	}
	cancel()
	<-done
	h.mu.Lock()
	at := h.at
	h.mu.Unlock()
	// Waits of 40, 80 and 160 ms between the four failures.
	for i, want := range []time.Duration{40, 80, 160} {
		if gap := at[i+1].Sub(at[i]); gap < want*time.Millisecond {
			t.Errorf("failure %d came %v after the one before, want at least %v", i+2, gap, want*time.Millisecond)
		}
	}
	if total, _ := tr.log.counts(); total != 0 {
		t.Fatalf("%d sent while the store could not write", total)
	}
}

// TestStopWaitsForTheRelaysReply (fault D6): the worker is stopped while
// the relay holds its reply to the message's end. The send finishes on
// its own context, its outcome is recorded before Run returns, and a
// restarted worker sends nothing again.
func TestStopWaitsForTheRelaysReply(t *testing.T) {
	r := startRelay(t)
	r.gotData = make(chan struct{}, 1)
	r.dataDelay = 300 * time.Millisecond
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	e.opts.Now = nil // real time: Run sleeps on real timers
	e.ingest(newTicketMail("stop@cliente.com.br", "stop1@c", "Parar"))
	w := e.worker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	select {
	case <-r.gotData:
	case <-time.After(10 * time.Second):
		t.Fatal("the relay never got the message")
	}
	cancel() // SIGTERM while the relay has the dot and not yet replied
	<-done
	if s := e.outbox(tickets.OutboxSent); len(s) != 1 {
		t.Fatalf("after the stop: %d recorded as sent, pending %+v", len(s), e.outbox(tickets.OutboxPending))
	}
	e.store.Close()
	e.clock.Add(time.Hour)
	e.open()
	drain(t, e.worker())
	if n := len(r.messages()); n != 1 {
		t.Fatalf("relay got the message %d times across the restart", n)
	}
}

// TestStopPutsUntriedBack: entries marked for a batch but not started
// when the stop came are put back as due at once, their attempt not
// counted, so the next start sends them without waiting for a retry.
func TestStopPutsUntriedBack(t *testing.T) {
	r := startRelay(t)
	r.gotData = make(chan struct{}, 1)
	r.dataDelay = 200 * time.Millisecond
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	e.opts.Connections = 1
	for i := range 4 {
		e.ingest(newTicketMail(fmt.Sprintf("u%d@cliente.com.br", i), fmt.Sprintf("untried%d@c", i), "Parar"))
	}
	w := e.worker()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-r.gotData; cancel() }()
	if _, err := w.Drain(ctx); err == nil {
		t.Fatal("Drain stopped by ctx reported no error")
	}
	sent, pending := e.outbox(tickets.OutboxSent), e.outbox(tickets.OutboxPending)
	if len(sent) != 1 || len(pending) != 3 {
		t.Fatalf("after the stop: %d sent, %d pending; want 1 and 3", len(sent), len(pending))
	}
	for _, p := range pending {
		if p.Attempts != 0 || p.NextAttempt.After(e.clock.Now()) {
			t.Errorf("untried entry %d: attempts %d, next %v (now %v)", p.ID, p.Attempts, p.NextAttempt, e.clock.Now())
		}
	}
}

// slowFailTransport fails every send after taking d of the test clock: a
// relay that times out.
type slowFailTransport struct {
	clock *clock
	d     time.Duration
}

func (s slowFailTransport) Send(context.Context, string, []string, []byte) error {
	s.clock.Add(s.d)
	return fmt.Errorf("relay: ehlo: no reply within %v: i/o timeout", s.d)
}

// TestBackoffCountsFromTheEndOfAnAttempt (fault D7): an attempt that
// fails after five minutes is retried about a minute after it ended, not
// at once because a minute after its start has long passed.
func TestBackoffCountsFromTheEndOfAnAttempt(t *testing.T) {
	e := newEnv(t, nil)
	e.opts.Transport = slowFailTransport{clock: e.clock, d: 5 * time.Minute}
	e.ingest(newTicketMail("slow@cliente.com.br", "slow1@c", "Lento"))
	drain(t, e.worker())
	p := e.outbox(tickets.OutboxPending)
	if len(p) != 1 {
		t.Fatalf("pending %+v", p)
	}
	if wait := p[0].NextAttempt.Sub(e.clock.Now()); wait < 45*time.Second || wait > 75*time.Second {
		t.Fatalf("next attempt %v after the failed attempt ended, want about 1m", wait)
	}
}
