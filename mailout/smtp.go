package mailout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Defaults for SMTPTransport's optional fields. The step timeouts are
// those RFC 5321 4.5.3.2 asks a client to allow: 5 minutes for the
// greeting and for MAIL and RCPT, 10 minutes for the reply to the end of
// DATA. A busy relay that answers slowly still gets the mail.
const (
	smtpDefaultTimeout         = 60 * time.Second
	smtpDefaultGreetingTimeout = 5 * time.Minute
	smtpDefaultCommandTimeout  = 5 * time.Minute
	smtpDefaultDataTimeout     = 10 * time.Minute
	smtpDefaultLocalName       = "localhost"
)

// SMTPTransport relays through a smarthost: the usual way to send from a
// server whose own IP would not be trusted by receiving domains. It opens
// one connection per message (the worker runs several at once), which
// leaves no idle connection to go stale between sends. Every step of the
// session has its own deadline, so a slow relay is waited for step by step
// instead of within one budget for the whole.
type SMTPTransport struct {
	Addr     string // host:port
	TLS      string // "starttls" | "implicit" | "none"; "" means starttls
	Username string // AUTH when non-empty
	Password string // used only with Username
	// Timeout bounds the connect, the TLS handshake of "implicit", the
	// DATA command, the writing of each 32 KiB of the message and QUIT;
	// default 60s.
	Timeout time.Duration
	// GreetingTimeout bounds the greeting, EHLO and STARTTLS (each on
	// its own); default 5m.
	GreetingTimeout time.Duration
	// CommandTimeout bounds each of AUTH, MAIL and RCPT; default 5m.
	CommandTimeout time.Duration
	// DataTimeout bounds the wait for the reply to the end of the
	// message; default 10m.
	DataTimeout time.Duration
	LocalName   string      // EHLO name; default "localhost"
	TLSConfig   *tls.Config // nil → ServerName from Addr, system roots; tests pass their own

	// size is the SIZE the relay announced in its last EHLO (0: none).
	size atomic.Int64
}

var (
	_ Transport   = (*SMTPTransport)(nil)
	_ SizeLimiter = (*SMTPTransport)(nil)
)

// MaxMessageBytes is the SIZE the relay announced in the last session
// (0 when it announced none or none was opened yet): the worker's default
// cap for outgoing messages.
func (t *SMTPTransport) MaxMessageBytes() int64 { return t.size.Load() }

// smtpSteps are the deadlines of one session, defaults filled.
type smtpSteps struct {
	connect, greeting, command, data time.Duration
}

func (t *SMTPTransport) steps() smtpSteps {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return smtpSteps{
		connect:  or(t.Timeout, smtpDefaultTimeout),
		greeting: or(t.GreetingTimeout, smtpDefaultGreetingTimeout),
		command:  or(t.CommandTimeout, smtpDefaultCommandTimeout),
		data:     or(t.DataTimeout, smtpDefaultDataTimeout),
	}
}

// Send relays msg to the recipients in to, all or nothing: any refused
// recipient aborts the transaction before DATA, so a retry never delivers
// twice to the recipients that were accepted. A 5xx reply is returned as
// (a wrapped) *PermanentError; 4xx replies, network errors, timeouts and
// TLS errors are transient and wrapped with the relay and the step that
// failed. A message larger than the SIZE the relay announces is not sent:
// Send returns a *TooLargeError before MAIL. With TLS "starttls", a relay
// that does not offer STARTTLS is an error: credentials and mail never
// travel in clear when TLS was asked for. Cancelling ctx closes the
// connection, so Send returns promptly.
func (t *SMTPTransport) Send(ctx context.Context, from string, to []string, msg []byte) error {
	mode := strings.ToLower(t.TLS)
	if mode == "" {
		mode = "starttls"
	}
	switch mode {
	case "starttls", "implicit", "none":
	default:
		return fmt.Errorf("relay %s: unknown tls mode %q (want starttls, implicit or none)", t.Addr, t.TLS)
	}
	if len(to) == 0 {
		return fmt.Errorf("relay %s: no recipients", t.Addr)
	}
	for i, addr := range append([]string{from}, to...) {
		if i == 0 && addr == "" {
			continue // the null reverse-path
		}
		if err := checkPath(addr); err != nil {
			return fmt.Errorf("relay %s: %w", t.Addr, &PermanentError{Code: 553, Enhanced: "5.1.3", Message: err.Error()})
		}
	}
	host, _, err := net.SplitHostPort(t.Addr)
	if err != nil {
		return fmt.Errorf("relay %s: %w", t.Addr, err)
	}
	steps := t.steps()
	localName := t.LocalName
	if localName == "" {
		localName = smtpDefaultLocalName
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("relay %s: %w", t.Addr, err)
	}

	c, conn, err := t.connect(ctx, mode, host, localName, steps)
	if err != nil {
		return err
	}
	// Closing the connection is what makes ctx cancellation prompt; each
	// step below has its own deadline.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer c.Close()

	fail := func(step string, err error) error {
		var se *smtp.SMTPError
		if ctx.Err() == nil && errors.As(err, &se) {
			// The relay is still talking to us: end the session politely.
			c.CommandTimeout = steps.connect
			_ = c.Quit()
		}
		return t.classify(ctx, step, err)
	}

	if ok, param := c.Extension("SIZE"); ok {
		if n, err := strconv.ParseInt(param, 10, 64); err == nil && n > 0 {
			t.size.Store(n)
			if int64(len(msg)) > n {
				c.CommandTimeout = steps.connect
				_ = c.Quit()
				return fmt.Errorf("relay %s: %w", t.Addr, &TooLargeError{Size: int64(len(msg)), Limit: n})
			}
		} else {
			t.size.Store(0)
		}
	} else {
		t.size.Store(0)
	}

	c.CommandTimeout = steps.command
	if t.Username != "" {
		var a sasl.Client
		switch {
		case c.SupportsAuth(sasl.Plain):
			a = sasl.NewPlainClient("", t.Username, t.Password)
		case c.SupportsAuth(sasl.Login):
			a = sasl.NewLoginClient(t.Username, t.Password)
		default:
			_ = c.Quit()
			return fmt.Errorf("relay %s: relay offers no AUTH PLAIN or LOGIN", t.Addr)
		}
		if err := c.Auth(a); err != nil {
			return fail("auth as "+t.Username, err)
		}
	}

	opts := &smtp.MailOptions{Size: int64(len(msg))}
	if !smtpIsASCII(from) || !smtpAllASCII(to) {
		opts.UTF8 = true
	}
	if err := c.Mail(from, opts); err != nil {
		return fail("mail from <"+from+">", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return fail("rcpt to <"+rcpt+">", err)
		}
	}
	c.CommandTimeout = steps.connect
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if err := smtpWriteData(conn, w, msg, steps.connect); err != nil {
		return fail("data", err)
	}
	c.SubmissionTimeout = steps.data
	if err := w.Close(); err != nil {
		return fail("end of data", err)
	}
	// The relay accepted the message: a failing QUIT changes nothing, and
	// reporting it would make the worker send the message a second time.
	_ = c.Quit()
	return nil
}

// connect dials the relay and brings the session to the point where AUTH or
// MAIL may be sent: TLS per mode, greeting and EHLO, each step within its
// own deadline (go-smtp sets one per command from CommandTimeout, the
// greeting's included). It also returns the TCP connection under the
// client, which Send closes to abort on ctx.
func (t *SMTPTransport) connect(ctx context.Context, mode, host, localName string, steps smtpSteps) (*smtp.Client, net.Conn, error) {
	step := "dial"
	fail := func(err error) error {
		return t.classify(ctx, step, err)
	}
	dialCtx, cancel := context.WithTimeout(ctx, steps.connect)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dialCtx, "tcp", t.Addr)
	if err != nil {
		if ctx.Err() == nil && dialCtx.Err() != nil {
			err = fmt.Errorf("no connection within %s: %w", steps.connect, os.ErrDeadlineExceeded)
		}
		return nil, nil, fail(err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	abort := func(err error) (*smtp.Client, net.Conn, error) {
		stop()
		_ = conn.Close()
		return nil, nil, fail(err)
	}

	var c *smtp.Client
	switch mode {
	case "implicit":
		step = "tls handshake"
		hsCtx, cancel := context.WithTimeout(ctx, steps.connect)
		defer cancel()
		tc := tls.Client(conn, t.tlsConfig(host))
		if err := tc.HandshakeContext(hsCtx); err != nil {
			if ctx.Err() == nil && hsCtx.Err() != nil {
				err = fmt.Errorf("no handshake within %s: %w", steps.connect, os.ErrDeadlineExceeded)
			}
			return abort(err)
		}
		c = smtp.NewClient(tc)
	case "starttls":
		// go-smtp's STARTTLS helper reads the greeting and sends EHLO and
		// STARTTLS under its own five-minute deadlines; stepConn gives
		// each of them the greeting timeout instead. Fails when STARTTLS
		// is not offered, before anything but EHLO has been sent.
		step = "greeting, ehlo and starttls"
		sc := &stepConn{Conn: conn}
		sc.step.Store(int64(steps.greeting))
		cfg := t.tlsConfig(host)
		// The handshake happens when EHLO is written after STARTTLS, under
		// EHLO's deadline; once the relay's certificate is verified, the
		// reply to EHLO gets a deadline of its own.
		verify := cfg.VerifyConnection
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if verify != nil {
				if err := verify(cs); err != nil {
					return err
				}
			}
			return conn.SetDeadline(time.Now().Add(steps.greeting))
		}
		c, err = smtp.NewClientStartTLS(sc, cfg)
		if err != nil {
			return abort(err)
		}
		sc.step.Store(0)
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout = steps.greeting
	// Greeting (if not read yet) and EHLO; after STARTTLS this is also
	// where the TLS handshake happens, under EHLO's deadline.
	step = "greeting and ehlo"
	if mode == "starttls" {
		step = "tls handshake and ehlo after starttls"
	}
	if err := c.Hello(localName); err != nil {
		return abort(err)
	}
	if !stop() {
		// ctx closed the connection just as we finished.
		_ = c.Close()
		return nil, nil, fail(net.ErrClosed)
	}
	return c, conn, nil
}

// stepConn sets every deadline asked of it to now plus step while step is
// set, and passes them through unchanged otherwise: the way to give the
// steps inside go-smtp's STARTTLS helper a deadline of our choosing.
type stepConn struct {
	net.Conn
	step atomic.Int64 // a time.Duration; 0: pass through
}

func (c *stepConn) SetDeadline(t time.Time) error {
	if d := time.Duration(c.step.Load()); d > 0 && !t.IsZero() {
		t = time.Now().Add(d)
	}
	return c.Conn.SetDeadline(t)
}

// smtpDataChunk is how much of the message is written per write deadline.
const smtpDataChunk = 32 << 10

// smtpWriteData writes msg to the DATA writer w. go-smtp sets no deadline
// while the body is written, so a relay that stops reading would block
// Send forever; each chunk gets timeout to make progress instead, which
// bounds a stall without capping how long a large message may take. The
// deadline is set on the TCP connection, which also bounds a TLS session
// layered on it; go-smtp clears it when it reads the final reply.
func smtpWriteData(conn net.Conn, w io.Writer, msg []byte, timeout time.Duration) error {
	for len(msg) > 0 {
		n := min(len(msg), smtpDataChunk)
		if err := conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return err
		}
		if _, err := w.Write(msg[:n]); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return nil
}

// tlsConfig returns the configuration for the relay: the caller's, or the
// system roots, with ServerName defaulting to the relay's host so the
// certificate is always verified against the name we dialled.
func (t *SMTPTransport) tlsConfig(host string) *tls.Config {
	var cfg *tls.Config
	if t.TLSConfig != nil {
		cfg = t.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// classify wraps err with the relay and step, turning 5xx replies into
// *PermanentError and reporting ctx's error when ctx ended the session
// (the underlying error is then only our own close of the connection).
func (t *SMTPTransport) classify(ctx context.Context, step string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("relay %s: %s: %w", t.Addr, step, ctxErr)
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		reply := PermanentError{Code: se.Code, Message: se.Message}
		if ec := se.EnhancedCode; ec != smtp.EnhancedCodeNotSet && ec != smtp.NoEnhancedCode {
			reply.Enhanced = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		if se.Code >= 500 {
			return fmt.Errorf("relay %s: %s: %w", t.Addr, step, &reply)
		}
		err = &smtpTransientReply{reply: reply, err: se}
	}
	return fmt.Errorf("relay %s: %s: %w", t.Addr, step, err)
}

// smtpTransientReply is a 4xx (or other non-5xx) reply: it reads like a
// PermanentError ("451 4.3.0 try again later") so logs show replies one
// way, but is not one, and still unwraps to go-smtp's *smtp.SMTPError.
type smtpTransientReply struct {
	reply PermanentError
	err   *smtp.SMTPError
}

func (e *smtpTransientReply) Error() string { return e.reply.Error() }

func (e *smtpTransientReply) Unwrap() error { return e.err }

// smtpIsASCII reports whether s needs no SMTPUTF8.
func smtpIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// smtpAllASCII reports whether none of ss needs SMTPUTF8.
func smtpAllASCII(ss []string) bool {
	for _, s := range ss {
		if !smtpIsASCII(s) {
			return false
		}
	}
	return true
}
