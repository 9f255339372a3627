package mailin

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errServerSilent is why a session ended when the server stopped answering.
var errServerSilent = errors.New("server stopped answering")

// watchdog closes the connection of a server that stopped answering. go-imap
// sets no read deadline between responses, so a server that hangs after,
// say, an EXISTS leaves a command waiting forever (fault tests D2). While a
// command waits (armed), the watchdog closes the TCP connection once no byte
// has been read for the command's bound; that fails the command, and the
// poller reconnects. The bound counts silence, not the command's length: a
// 20 MB FETCH on a slow line is fine as long as bytes keep arriving.
type watchdog struct {
	conn     net.Conn
	lastRead atomic.Int64 // UnixNano of the last read that returned bytes

	mu      sync.Mutex
	gen     uint64 // bumped by arm and disarm: a stale check does nothing
	armed   bool
	what    string
	bound   time.Duration
	armedAt time.Time
	timer   *time.Timer
	fired   string // what was running when the connection was closed
	silent  time.Duration
}

// watchConn wraps a freshly dialled connection; the IMAP client (and TLS)
// are layered on what it returns.
func watchConn(conn net.Conn) (*watchdog, net.Conn) {
	w := &watchdog{conn: conn}
	w.lastRead.Store(time.Now().UnixNano())
	return w, &activityConn{Conn: conn, w: w}
}

// activityConn notes each read that brought bytes.
type activityConn struct {
	net.Conn
	w *watchdog
}

func (c *activityConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.w.lastRead.Store(time.Now().UnixNano())
	}
	return n, err
}

// arm starts watching: what is the command, bound the longest silence
// allowed while it waits.
func (w *watchdog) arm(what string, bound time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopTimer()
	w.gen++
	w.armed, w.what, w.bound, w.armedAt = true, what, bound, time.Now()
	gen := w.gen
	w.timer = time.AfterFunc(bound, func() { w.check(gen) })
}

// disarm stops watching (the command got its answer, or the poller works
// on what it received).
func (w *watchdog) disarm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopTimer()
	w.gen++
	w.armed = false
}

func (w *watchdog) stopTimer() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

// check runs when the bound may have passed: if bytes came meanwhile it
// waits for the rest of the bound after the last of them, else it closes
// the connection.
func (w *watchdog) check(gen uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if gen != w.gen || !w.armed {
		return
	}
	last := time.Unix(0, w.lastRead.Load())
	if last.Before(w.armedAt) {
		last = w.armedAt
	}
	if left := w.bound - time.Since(last); left > 0 {
		w.timer = time.AfterFunc(left, func() { w.check(gen) })
		return
	}
	w.fired, w.silent = w.what, w.bound
	w.armed = false
	// The raw connection, not the client: Client.Close waits for its
	// reader, which is what is stuck.
	_ = w.conn.Close()
}

// run bounds one command: f sends it and waits for its answer.
func (w *watchdog) run(what string, bound time.Duration, f func() error) error {
	w.arm(what, bound)
	err := f()
	w.disarm()
	return w.explain(err)
}

// explain replaces the error of a command the watchdog cut short (some
// "use of closed network connection") by one that says what happened.
func (w *watchdog) explain(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fired == "" {
		return err
	}
	return fmt.Errorf("%w: nothing for %s in %s; connection closed", errServerSilent, w.silent, w.fired)
}
