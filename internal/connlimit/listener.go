package connlimit

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// Refuse answers a connection the Limiter turned away (a 421 greeting, a
// 503 response), just before it is closed. It must not block: it runs in
// the accept loop, with a write deadline already set.
type Refuse func(c net.Conn, err error)

// refuseWait bounds the refusal's write. A fresh socket's send buffer is
// empty, so the write does not block in practice; the deadline is only so
// that a stalled one cannot stop the accept loop.
const refuseWait = 200 * time.Millisecond

// logEvery is how often refusals are logged during a flood: the first at
// once, then one line with the count per interval, so that a flood cannot
// fill the log.
const logEvery = 10 * time.Second

// Listen puts l in front of ln: Accept returns only the connections l
// admits, each giving its slot back when closed; the others are answered
// by refuse and closed without reaching the server. name says which
// listener in the log ("smtp", "web").
func (l *Limiter) Listen(ln net.Listener, name string, refuse Refuse, log *slog.Logger) net.Listener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &listener{Listener: ln, l: l, name: name, refuse: refuse, log: log}
}

type listener struct {
	net.Listener
	l      *Limiter
	name   string
	refuse Refuse
	log    *slog.Logger

	mu      sync.Mutex
	logged  time.Time
	refused int // since the last log line
}

func (ll *listener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		release, err := ll.l.Acquire(c.RemoteAddr())
		if err == nil {
			return &Conn{Conn: c, release: release}, nil
		}
		if ll.refuse != nil {
			_ = c.SetWriteDeadline(time.Now().Add(refuseWait))
			ll.refuse(c, err)
		}
		_ = c.Close()
		ll.noteRefusal(c.RemoteAddr(), err)
	}
}

func (ll *listener) noteRefusal(remote net.Addr, err error) {
	ll.mu.Lock()
	ll.refused++
	now := time.Now()
	if now.Sub(ll.logged) < logEvery {
		ll.mu.Unlock()
		return
	}
	n := ll.refused
	ll.refused, ll.logged = 0, now
	ll.mu.Unlock()
	total, _ := ll.l.Held(remote)
	ll.log.Warn("connection refused", "listener", ll.name, "client", remote.String(), "reason", err.Error(),
		"refused", n, "held", total, "max", ll.l.opts.Max, "max_per_ip", ll.l.opts.PerIP)
}

// Conn is an admitted connection; closing it gives its slot back, once.
type Conn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and gives its slot back.
func (c *Conn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// NetConn returns the connection underneath, like tls.Conn.NetConn.
func (c *Conn) NetConn() net.Conn { return c.Conn }
