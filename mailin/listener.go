package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/internal/connlimit"
	"github.com/ticketgw/ticketgw/tickets"
)

// ListenerOptions configure the inbound SMTP/LMTP listener. Zero values
// take the defaults given.
type ListenerOptions struct {
	// LMTP serves LMTP (RFC 2033) instead of SMTP, for Postfix or
	// Dovecot LMTP delivery: one status per recipient.
	LMTP bool
	// Domain is the name in the greeting.
	Domain          string
	MaxMessageBytes int64
	// MaxRecipients per message (default 50).
	MaxRecipients int
	// MaxConns bounds the connections held at once, trusted ones included
	// (default 1000). A tenth of it (rounded up) is kept for
	// TrustedNetworks, so that strangers cannot lock the local MTA out.
	MaxConns int
	// MaxConnsPerIP bounds concurrent connections from one client
	// address, an IPv6 /64, outside TrustedNetworks (default 50: a
	// Postfix relay opens up to 20 parallel deliveries).
	MaxConnsPerIP int
	// TrustedNetworks skip MaxConnsPerIP but not MaxConns; nil means
	// loopback (127.0.0.0/8, ::1/128), an empty list none.
	TrustedNetworks []netip.Prefix
	// CommandsPerSecond bounds the commands of one connection, every
	// command counted (NOOP, RSET, EHLO as much as MAIL), with a burst of
	// twice as many (default 2000: a local MTA pipelines a lot over one
	// connection).
	CommandsPerSecond int
	// IdleTimeout bounds the time before MAIL FROM, from the connection's
	// start or its last message; other commands do not extend it
	// (default 1m).
	IdleTimeout time.Duration
	// Timeout bounds the wait for each command inside a transaction, and
	// each reply's write (default 5m, RFC 5321 4.5.3.2.7).
	Timeout time.Duration
	// Lifetime bounds a connection: no command is read after it; a
	// message under way finishes (default 30m).
	Lifetime time.Duration
	// DataMinRate is the slowest average, in bytes per second, a message's
	// data may arrive at once DataGrace has passed (default 1024).
	DataMinRate int64
	// DataGrace is the time a message's data gets before the rate floor
	// applies (default 30s).
	DataGrace time.Duration
	// DataIdle is the longest pause within a message's data (default 3m,
	// RFC 5321's data block timeout).
	DataIdle time.Duration
	// DataTimeout caps one message's data (default RFC 5321's 10m, or
	// as long as MaxMessageBytes takes at 16 KiB/s if that is longer:
	// 27m for 25 MiB).
	DataTimeout time.Duration
	// ShutdownTimeout bounds how long a shutdown waits for messages under
	// way to finish before it closes their connections (default 30s).
	ShutdownTimeout time.Duration
	// BudgetWait bounds the wait of a received message for the ingest
	// memory budget (default Timeout); past it the answer is 451 4.3.1.
	BudgetWait time.Duration
	// TLSConfig, when set, offers STARTTLS.
	TLSConfig *tls.Config
	Logger    *slog.Logger
}

// slowSenderRate is the rate a legitimate sender on a poor link may have:
// the default DataTimeout lets MaxMessageBytes through at this rate.
const slowSenderRate = 16 << 10

// Listener receives mail by SMTP or LMTP and ingests each message,
// answering 250 only once it is committed: the sending server keeps what
// got no 250 and retries, so nothing is lost. It accepts mail only for the
// support addresses (and their plus forms): never an open relay.
type Listener struct {
	g       *Ingester
	opts    ListenerOptions
	srv     *smtp.Server
	limiter *connlimit.Limiter

	closing atomic.Bool // shutdown began: no new transaction

	mu      sync.Mutex
	conns   map[*sessionConn]struct{}
	stopped bool           // no new message may start: ingests is being waited for
	ingests sync.WaitGroup // messages inside Data
}

// NewListener makes a listener that ingests through g.
func NewListener(g *Ingester, opts ListenerOptions) *Listener {
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 25 << 20
	}
	if opts.MaxRecipients <= 0 {
		opts.MaxRecipients = 50
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 1000
	}
	if opts.MaxConnsPerIP <= 0 {
		opts.MaxConnsPerIP = 50
	}
	if opts.TrustedNetworks == nil {
		opts.TrustedNetworks = connlimit.Loopback()
	}
	if opts.CommandsPerSecond <= 0 {
		opts.CommandsPerSecond = 2000
	}
	setDefault(&opts.IdleTimeout, time.Minute)
	setDefault(&opts.Timeout, 5*time.Minute)
	setDefault(&opts.Lifetime, 30*time.Minute)
	if opts.DataMinRate <= 0 {
		opts.DataMinRate = 1024
	}
	setDefault(&opts.DataGrace, 30*time.Second)
	setDefault(&opts.DataIdle, 3*time.Minute)
	setDefault(&opts.DataTimeout, max(10*time.Minute, time.Duration(opts.MaxMessageBytes/slowSenderRate)*time.Second))
	setDefault(&opts.ShutdownTimeout, 30*time.Second)
	setDefault(&opts.BudgetWait, opts.Timeout)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Listener{g: g, opts: opts, conns: map[*sessionConn]struct{}{}}
	l.limiter = connlimit.New(connlimit.Options{
		Max: opts.MaxConns, PerIP: opts.MaxConnsPerIP, Exempt: opts.TrustedNetworks,
		Reserved: (opts.MaxConns + 9) / 10,
	})
	srv := smtp.NewServer(smtp.BackendFunc(l.newSession))
	srv.LMTP = opts.LMTP
	srv.Domain = opts.Domain
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.MaxLineLength = 2000       // RFC 5321 4.5.3.1.6, doubled
	srv.ReadTimeout = opts.Timeout // sessionConn sets the real deadline of each phase
	srv.WriteTimeout = opts.Timeout
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = opts.TLSConfig
	srv.ErrorLog = slogLogger{opts.Logger}
	l.srv = srv
	return l
}

// setDefault sets *d to def when it is not positive.
func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Serve accepts connections on ln until ctx is done or Close is called.
// When ctx is done it stops accepting, closes the sessions waiting for a
// command outside a transaction, and returns only once the messages under
// way have been answered (bounded by ShutdownTimeout, after which their
// connections are closed and the ingests they started are waited for): the
// caller may close the store as soon as Serve returns.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	limited := l.limiter.Listen(ln, "smtp", refuseSMTP, l.opts.Logger)
	served := make(chan error, 1)
	go func() { served <- l.srv.Serve(&sessionListener{Listener: limited, l: l}) }()
	select {
	case err := <-served:
		// Close was called (nil), or accepting failed.
		l.srv.Close()
		l.waitIngests()
		if err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			return fmt.Errorf("smtp listener: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	l.shutdown()
	<-served
	return nil
}

// shutdown lets the messages under way finish, then closes what is left.
func (l *Listener) shutdown() {
	l.closing.Store(true)
	l.mu.Lock()
	for c := range l.conns {
		c.closeIfIdle()
	}
	l.mu.Unlock()
	sctx, cancel := context.WithTimeout(context.Background(), l.opts.ShutdownTimeout)
	defer cancel()
	if err := l.srv.Shutdown(sctx); err != nil {
		l.mu.Lock()
		busy := len(l.conns)
		l.mu.Unlock()
		l.opts.Logger.Warn("smtp sessions still open at the shutdown timeout: closing them", "sessions", busy, "timeout", l.opts.ShutdownTimeout.String())
		l.srv.Close()
	}
	l.waitIngests()
}

// waitIngests waits for the messages inside Data, after which none starts.
func (l *Listener) waitIngests() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.ingests.Wait()
}

// Close stops the listener at once.
func (l *Listener) Close() error { return l.srv.Close() }

// refuseSMTP answers a connection over the caps, before any session.
func refuseSMTP(c net.Conn, err error) {
	msg := "421 4.7.0 Too many connections, try again later\r\n"
	if errors.Is(err, connlimit.ErrPerIP) {
		msg = "421 4.7.0 Too many connections from your address, try again later\r\n"
	}
	_, _ = io.WriteString(c, msg)
}

// sessionListener wraps each admitted connection in a sessionConn and
// keeps track of it for shutdown.
type sessionListener struct {
	net.Listener
	l *Listener
}

func (sl *sessionListener) Accept() (net.Conn, error) {
	c, err := sl.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := newSessionConn(c, sl.l)
	sl.l.mu.Lock()
	sl.l.conns[sc] = struct{}{}
	sl.l.mu.Unlock()
	return &trackedConn{sessionConn: sc}, nil
}

// trackedConn forgets its sessionConn when closed.
type trackedConn struct {
	*sessionConn
	once sync.Once
}

func (t *trackedConn) Close() error {
	t.once.Do(func() {
		l := t.sessionConn.l
		l.mu.Lock()
		delete(l.conns, t.sessionConn)
		l.mu.Unlock()
	})
	return t.sessionConn.Close()
}

func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{l: l, client: hostOf(c.Conn().RemoteAddr()), conn: sessionConnOf(c.Conn())}
	return timedSession{s}, nil
}

// session is one SMTP/LMTP connection.
type session struct {
	l      *Listener
	client string
	conn   *sessionConn // its limits; nil only for a connection not from Serve
	from   string
	null   bool // MAIL FROM:<>
	rcpts  []string
}

var (
	errNoSuchUser    = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here: this server only takes mail for its support addresses"}
	errTempFail      = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing the message, try again later"}
	errBusy          = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Too much mail in progress, try again later"}
	errShuttingDown  = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Shutting down, try again later"}
	errNotRecipients = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
	errDataTimeout   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "Message not received in full (timed out or connection lost), try again later"}
)

// dataReadError answers a message whose data could not be read in full. A
// line over the limit is refused for good (554); a timeout or a broken
// connection is temporary (451 4.4.2), never 554, so that the sender keeps
// the message and retries instead of bouncing it.
func dataReadError(err error) error {
	if errors.Is(err, smtp.ErrTooLongLine) {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused: " + err.Error()}
	}
	return errDataTimeout
}

// timedSession tells the connection when a message's data starts and ends
// (the data deadline moves with the bytes, the idle clock restarts after a
// message), and lets a shutdown wait for the messages under way.
type timedSession struct{ *session }

func (t timedSession) Data(r io.Reader) error {
	l := t.l
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return errShuttingDown
	}
	l.ingests.Add(1)
	l.mu.Unlock()
	defer l.ingests.Done()
	if c := t.conn; c != nil {
		c.beginData()
		defer c.endData()
	}
	return t.session.Data(r)
}

func (s *session) Reset() {
	s.from, s.null, s.rcpts = "", false, nil
	if s.conn != nil {
		s.conn.endTransaction()
	}
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.l.closing.Load() {
		return errShuttingDown
	}
	s.Reset()
	s.from, s.null = from, from == ""
	if s.conn != nil {
		s.conn.beginTransaction()
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if _, ok := s.l.g.opts.lookup(to); !ok {
		s.l.opts.Logger.Info("smtp recipient refused", "client", s.client, "rcpt", to)
		return errNoSuchUser
	}
	s.rcpts = append(s.rcpts, tickets.NormalizeEmail(to))
	return nil
}

// Data ingests the message; the reply says what became of it, so that a
// sender (and an operator reading the MTA's log) can tell.
func (s *session) Data(r io.Reader) error {
	if len(s.rcpts) == 0 {
		return errNotRecipients
	}
	sp, err := s.l.g.ReadSpool(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // too large: 552 5.3.4
		}
		if errors.Is(err, ErrSpool) {
			s.l.opts.Logger.Error("smtp: cannot spool a large message", "client", s.client, "error", err)
			return errTempFail
		}
		return dataReadError(err)
	}
	defer sp.Close()
	env := Envelope{Source: "smtp", Recipient: s.rcpts[0], Recipients: s.rcpts, MailFrom: s.from, NullSender: s.null}
	if s.l.opts.LMTP {
		env.Source = "lmtp"
	}
	res, err := s.ingest(sp, env)
	if err != nil {
		return err
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: res.Reply()}
}

// Reply is the text of a 250 answer: the outcome, then the ticket and the
// reason, e.g. "Ok: created ticket=SUP-1042" or "Ok: held
// reason=not-participant".
func (r Result) Reply() string {
	msg := "Ok: " + string(r.Outcome)
	if r.Ticket != "" {
		msg += " ticket=" + r.Ticket
	}
	if r.Reason != "" {
		msg += " reason=" + r.Reason
	}
	return msg
}

// ParseReply reads a Result back from the text of a 250 answer, with or
// without its enhanced status code.
func ParseReply(text string) (Result, error) {
	i := strings.Index(text, "Ok:") // after "2.0.0 " and, in LMTP, "<rcpt> "
	if i < 0 {
		return Result{}, fmt.Errorf("reply %q is not the gateway's", text)
	}
	f := strings.Fields(text[i+len("Ok:"):])
	if len(f) == 0 {
		return Result{}, fmt.Errorf("reply %q names no outcome", text)
	}
	r := Result{Outcome: tickets.Outcome(f[0])}
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "ticket":
			r.Ticket = v
		case "reason":
			r.Reason = v
		}
	}
	return r, nil
}

// slogLogger sends go-smtp's own errors to the gateway's log.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Printf(format string, v ...any) { s.l.Warn("smtp: " + fmt.Sprintf(format, v...)) }
func (s slogLogger) Println(v ...any)               { s.l.Warn("smtp: " + fmt.Sprint(v...)) }
