package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/tickets"
)

// ListenerOptions configure the inbound SMTP/LMTP listener.
type ListenerOptions struct {
	// LMTP serves LMTP (RFC 2033) instead of SMTP, for Postfix or
	// Dovecot LMTP delivery: one status per recipient.
	LMTP bool
	// Domain is the name in the greeting.
	Domain          string
	MaxMessageBytes int64
	// MaxRecipients per message (default 50).
	MaxRecipients int
	// MaxConnsPerIP bounds concurrent connections from one client
	// address (default 20).
	MaxConnsPerIP int
	// CommandsPerSecond bounds the transaction commands (MAIL, RCPT,
	// DATA, RSET) of one connection, with a burst of twice as many
	// (default 2000: a local MTA pipelines a lot over one connection).
	CommandsPerSecond int
	// Timeout bounds the wait for each command or data chunk (default 2m).
	Timeout time.Duration
	// BudgetWait bounds the wait of a received message for the ingest
	// memory budget (default Timeout); past it the answer is 451 4.3.1.
	BudgetWait time.Duration
	// TLSConfig, when set, offers STARTTLS.
	TLSConfig *tls.Config
	Logger    *slog.Logger
}

// Listener receives mail by SMTP or LMTP and ingests each message,
// answering 250 only once it is committed: the sending server keeps what
// got no 250 and retries, so nothing is lost. It accepts mail only for the
// support addresses (and their plus forms): never an open relay.
type Listener struct {
	g    *Ingester
	opts ListenerOptions
	srv  *smtp.Server

	mu    sync.Mutex
	perIP map[string]int
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
	if opts.MaxConnsPerIP <= 0 {
		opts.MaxConnsPerIP = 20
	}
	if opts.CommandsPerSecond <= 0 {
		opts.CommandsPerSecond = 2000
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.BudgetWait <= 0 {
		opts.BudgetWait = opts.Timeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Listener{g: g, opts: opts, perIP: map[string]int{}}
	srv := smtp.NewServer(smtp.BackendFunc(l.newSession))
	srv.LMTP = opts.LMTP
	srv.Domain = opts.Domain
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.MaxLineLength = 2000 // RFC 5321 4.5.3.1.6, doubled
	srv.ReadTimeout = opts.Timeout
	srv.WriteTimeout = opts.Timeout
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = opts.TLSConfig
	srv.ErrorLog = slogLogger{opts.Logger}
	l.srv = srv
	return l
}

// Serve accepts connections on ln until ctx is done or Close is called,
// then lets the sessions under way finish their transaction (bounded by
// the timeout).
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), l.opts.Timeout)
			defer cancel()
			if err := l.srv.Shutdown(sctx); err != nil {
				l.srv.Close()
			}
		case <-done:
		}
	}()
	err := l.srv.Serve(&limitListener{Listener: ln, l: l})
	if errors.Is(err, smtp.ErrServerClosed) || ctx.Err() != nil {
		return nil
	}
	return err
}

// Close stops the listener at once.
func (l *Listener) Close() error { return l.srv.Close() }

// limitListener refuses a client that already has MaxConnsPerIP
// connections open, with a 421, before any session is made.
type limitListener struct {
	net.Listener
	l *Listener
}

func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(c.RemoteAddr())
		l := ll.l
		l.mu.Lock()
		over := l.perIP[ip] >= l.opts.MaxConnsPerIP
		if !over {
			l.perIP[ip]++
		}
		l.mu.Unlock()
		if over {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, "421 4.7.0 Too many connections from your address, try again later\r\n")
			c.Close()
			l.opts.Logger.Warn("smtp connection refused", "client", ip, "reason", "too many connections")
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
}

func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// countedConn gives its place back once, when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{l: l, client: hostOf(c.Conn().RemoteAddr()), bucket: float64(2 * l.opts.CommandsPerSecond), last: time.Now()}, nil
}

// session is one SMTP/LMTP connection.
type session struct {
	l      *Listener
	client string
	from   string
	null   bool // MAIL FROM:<>
	rcpts  []string

	bucket float64 // command tokens left
	last   time.Time
}

var (
	errNoSuchUser    = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here: this server only takes mail for its support addresses"}
	errTempFail      = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing the message, try again later"}
	errBusy          = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Too much mail in progress, try again later"}
	errTooFast       = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many commands, slow down"}
	errShuttingDown  = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Shutting down, try again later"}
	errNotRecipients = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
)

// allow takes a token for one command: a client that goes faster than
// CommandsPerSecond (past a burst) is told to slow down.
func (s *session) allow() error {
	now := time.Now()
	rate := float64(s.l.opts.CommandsPerSecond)
	s.bucket = min(s.bucket+now.Sub(s.last).Seconds()*rate, 2*rate)
	s.last = now
	if s.bucket < 1 {
		s.l.opts.Logger.Warn("smtp command rate exceeded", "client", s.client)
		return errTooFast
	}
	s.bucket--
	return nil
}

func (s *session) Reset() {
	s.from, s.null, s.rcpts = "", false, nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := s.allow(); err != nil {
		return err
	}
	s.Reset()
	s.from, s.null = from, from == ""
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.allow(); err != nil {
		return err
	}
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
	if err := s.allow(); err != nil {
		return err
	}
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
		// A line over the limit, or the client went away.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused: " + err.Error()}
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
