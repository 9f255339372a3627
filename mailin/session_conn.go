package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// sessionConn enforces the listener's time limits and command budget on
// one connection, underneath go-smtp. go-smtp calls SetReadDeadline before
// it reads each command line, so that call is where a command is counted
// and where the deadline of the session's phase replaces go-smtp's single
// ReadTimeout:
//
//   - before MAIL FROM: IdleTimeout counted from the connection's start or
//     its last message, which NOOP, RSET, HELO/EHLO, VRFY and HELP do not
//     extend;
//   - inside a transaction (after MAIL FROM): Timeout per command;
//   - never a command after Lifetime.
//
// During DATA (or BDAT) the deadline moves as bytes arrive: the sender
// must keep an average of DataMinRate bytes per second after a DataGrace
// allowance, never pause longer than DataIdle, and finish within
// DataTimeout. A message under way is not cut by Lifetime.
//
// A limit that is reached makes reads fail as timeouts, which go-smtp
// answers 421 4.4.2 and closes, and which Data answers 451 4.4.2.
type sessionConn struct {
	net.Conn
	l    *Listener
	born time.Time

	mu        sync.Mutex
	inTxn     bool      // between MAIL FROM and the end of the message or RSET
	idleBase  time.Time // start, or end of the last message
	inData    bool      // from the start of a message's data to the next command
	dataDone  bool      // the message's Data returned; the next command ends inData
	dataStart time.Time
	dataBytes int64
	deadline  time.Time // the read deadline set on Conn
	bucket    float64   // command tokens left
	last      time.Time // of the last bucket refill
	failed    error     // sticky: once a limit is reached, every read fails
}

// limitError is a limit reached. It is a timeout, so that go-smtp answers
// it 421 4.4.2 without logging it a second time.
type limitError struct{ reason string }

func (e *limitError) Error() string   { return "smtp session: " + e.reason }
func (e *limitError) Timeout() bool   { return true }
func (e *limitError) Temporary() bool { return true }

var _ net.Error = (*limitError)(nil)

func newSessionConn(c net.Conn, l *Listener) *sessionConn {
	now := time.Now()
	return &sessionConn{Conn: c, l: l, born: now, idleBase: now, last: now,
		bucket: float64(2 * l.opts.CommandsPerSecond)}
}

// sessionConnOf finds the sessionConn under c, through STARTTLS's tls.Conn.
func sessionConnOf(c net.Conn) *sessionConn {
	for c != nil {
		switch t := c.(type) {
		case *sessionConn:
			return t
		case *trackedConn:
			return t.sessionConn
		case *tls.Conn:
			c = t.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// SetReadDeadline is called by go-smtp before each command line: it
// counts the command and sets the deadline of the session's phase in
// place of t. An error stops the session before the line is read, even one
// pipelined and already buffered.
func (c *sessionConn) SetReadDeadline(time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed != nil {
		return c.failed
	}
	if c.inData && !c.dataDone {
		return nil // BDAT's next chunk command: the data deadline holds
	}
	c.inData, c.dataDone = false, false
	now := time.Now()
	d, reason := c.commandDeadline(now)
	if reason == "" && !c.take(now) {
		reason = "too many commands"
	}
	if reason != "" {
		return c.fail(reason)
	}
	return c.setDeadline(d)
}

// commandDeadline is the deadline for the next command line, or why the
// session may not have one.
func (c *sessionConn) commandDeadline(now time.Time) (time.Time, string) {
	o := &c.l.opts
	end := c.born.Add(o.Lifetime)
	if !now.Before(end) {
		return time.Time{}, "session lifetime reached"
	}
	if !c.inTxn && c.l.closing.Load() {
		return time.Time{}, "shutting down"
	}
	d := now.Add(o.Timeout)
	if !c.inTxn {
		if d = c.idleBase.Add(o.IdleTimeout); !d.After(now) {
			return time.Time{}, "no message within the idle timeout"
		}
	}
	return minTime(d, end), ""
}

// take spends a command token: every command line counts, NOOP and EHLO
// included, at CommandsPerSecond with a burst of twice as many.
func (c *sessionConn) take(now time.Time) bool {
	rate := float64(c.l.opts.CommandsPerSecond)
	c.bucket = min(c.bucket+now.Sub(c.last).Seconds()*rate, 2*rate)
	c.last = now
	if c.bucket < 1 {
		return false
	}
	c.bucket--
	return true
}

// fail makes every later read fail with reason, and logs it once.
func (c *sessionConn) fail(reason string) error {
	c.failed = &limitError{reason}
	_ = c.Conn.SetReadDeadline(time.Now())
	level := slog.LevelInfo
	if c.inData || reason == "too many commands" {
		level = slog.LevelWarn
	}
	c.l.opts.Logger.Log(context.Background(), level, "smtp session closed", "client", hostOf(c.RemoteAddr()), "reason", reason,
		"age", time.Since(c.born).Round(time.Millisecond).String())
	return c.failed
}

func (c *sessionConn) setDeadline(d time.Time) error {
	c.deadline = d
	return c.Conn.SetReadDeadline(d)
}

// Read reads, moves the data deadline as bytes arrive, and turns a
// timeout during the data into the limit it broke.
func (c *sessionConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n == 0 && err == nil {
		return n, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed != nil {
		return n, c.failed
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && c.inData {
			return n, c.fail(c.dataTimeoutReason(time.Now()))
		}
		return n, err
	}
	if c.inData {
		c.dataBytes += int64(n)
		now := time.Now()
		if d := c.dataDeadline(now); d.Sub(c.deadline) > deadlineSlack || c.deadline.Sub(d) > deadlineSlack {
			_ = c.setDeadline(d)
		}
	}
	return n, nil
}

// deadlineSlack saves resetting the deadline on every read of a fast
// message: a deadline off by this much changes nothing.
const deadlineSlack = 50 * time.Millisecond

// dataDeadline is the earliest of the rate floor, the longest pause and
// the cap on the whole message.
func (c *sessionConn) dataDeadline(now time.Time) time.Time {
	o := &c.l.opts
	floor := c.dataStart.Add(o.DataGrace + time.Duration(float64(c.dataBytes)/float64(o.DataMinRate)*float64(time.Second)))
	return minTime(floor, minTime(now.Add(o.DataIdle), c.dataStart.Add(o.DataTimeout)))
}

func (c *sessionConn) dataTimeoutReason(now time.Time) string {
	o := &c.l.opts
	switch {
	case !now.Before(c.dataStart.Add(o.DataTimeout)):
		return "message took longer than the data timeout"
	case now.Sub(c.dataStart) > o.DataGrace && float64(c.dataBytes) < now.Sub(c.dataStart).Seconds()*float64(o.DataMinRate):
		return "message data slower than the minimum rate"
	default:
		return "message data paused too long"
	}
}

// beginTransaction is MAIL FROM accepted: commands get the longer Timeout.
func (c *sessionConn) beginTransaction() {
	c.mu.Lock()
	c.inTxn = true
	c.mu.Unlock()
}

// endTransaction is RSET (or EHLO): the idle clock is not reset, so that
// no command but a message buys time.
func (c *sessionConn) endTransaction() {
	c.mu.Lock()
	c.inTxn = false
	c.mu.Unlock()
}

// beginData starts a message's data phase.
func (c *sessionConn) beginData() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed != nil {
		return
	}
	now := time.Now()
	c.inData, c.dataDone = true, false
	c.dataStart, c.dataBytes = now, 0
	_ = c.setDeadline(c.dataDeadline(now))
}

// endData is the message answered: the idle clock starts again, and the
// data deadline keeps moving while go-smtp drains what Data left unread.
func (c *sessionConn) endData() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dataDone = true
	c.inTxn = false
	c.idleBase = time.Now()
}

// closeIfIdle ends a session that waits for a command outside a
// transaction, for shutdown: its blocked read times out at once. A
// session inside a transaction or a message goes on.
func (c *sessionConn) closeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed == nil && !c.inTxn && !c.inData {
		_ = c.fail("shutting down")
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
