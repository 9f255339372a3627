package mailout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Defaults for SMTPTransport's optional fields.
const (
	smtpDefaultTimeout   = 60 * time.Second
	smtpDefaultLocalName = "localhost"
)

// SMTPTransport relays through a smarthost: the usual way to send from a
// server whose own IP would not be trusted by receiving domains. It opens
// one connection per message, which is plenty for notification volumes and
// leaves no idle connection to go stale between sends.
type SMTPTransport struct {
	Addr      string        // host:port
	TLS       string        // "starttls" | "implicit" | "none"; "" means starttls
	Username  string        // AUTH when non-empty
	Password  string        // used only with Username
	Timeout   time.Duration // bound for connecting (dial, TLS, greeting, EHLO) and for each later command; default 60s
	LocalName string        // EHLO name; default "localhost"
	TLSConfig *tls.Config   // nil → ServerName from Addr, system roots; tests pass their own
}

var _ Transport = (*SMTPTransport)(nil)

// Send relays msg to the recipients in to, all or nothing: any refused
// recipient aborts the transaction before DATA, so a retry never delivers
// twice to the recipients that were accepted. A 5xx reply is returned as
// (a wrapped) *PermanentError; 4xx replies, network errors, timeouts and
// TLS errors are transient and wrapped with the relay and the step that
// failed. With TLS "starttls", a relay that does not offer STARTTLS is an
// error: credentials and mail never travel in clear when TLS was asked for.
// Cancelling ctx closes the connection, so Send returns promptly.
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
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = smtpDefaultTimeout
	}
	localName := t.LocalName
	if localName == "" {
		localName = smtpDefaultLocalName
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("relay %s: %w", t.Addr, err)
	}

	c, conn, err := t.connect(ctx, mode, host, localName, timeout)
	if err != nil {
		return err
	}
	// Past the connect phase, go-smtp's per-command deadlines bound each
	// step; closing the connection is what makes ctx cancellation prompt.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer c.Close()

	fail := func(step string, err error) error {
		var se *smtp.SMTPError
		if ctx.Err() == nil && errors.As(err, &se) {
			// The relay is still talking to us: end the session politely.
			_ = c.Quit()
		}
		return t.classify(ctx, step, err)
	}

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
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if err := smtpWriteData(conn, w, msg, timeout); err != nil {
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	// The relay accepted the message: a failing QUIT changes nothing, and
	// reporting it would make the worker send the message a second time.
	_ = c.Quit()
	return nil
}

// connect dials the relay and brings the session to the point where AUTH or
// MAIL may be sent: TLS per mode, greeting and EHLO. The whole phase is
// bounded by timeout (go-smtp's STARTTLS helper would otherwise wait its
// own five-minute default for the greeting). It also returns the TCP
// connection under the client, which Send closes to abort on ctx.
func (t *SMTPTransport) connect(ctx context.Context, mode, host, localName string, timeout time.Duration) (*smtp.Client, net.Conn, error) {
	phaseCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	step := "dial"
	fail := func(err error) error {
		if ctx.Err() == nil && phaseCtx.Err() != nil {
			return fmt.Errorf("relay %s: %s: no reply within %s: %w", t.Addr, step, timeout, os.ErrDeadlineExceeded)
		}
		return t.classify(ctx, step, err)
	}

	var d net.Dialer
	conn, err := d.DialContext(phaseCtx, "tcp", t.Addr)
	if err != nil {
		return nil, nil, fail(err)
	}
	stop := context.AfterFunc(phaseCtx, func() { _ = conn.Close() })

	var c *smtp.Client
	switch mode {
	case "implicit":
		step = "tls handshake"
		tc := tls.Client(conn, t.tlsConfig(host))
		if err := tc.HandshakeContext(phaseCtx); err != nil {
			stop()
			_ = conn.Close()
			return nil, nil, fail(err)
		}
		c = smtp.NewClient(tc)
	case "starttls":
		// Greeting, EHLO, and STARTTLS; fails when STARTTLS is not offered,
		// before anything but EHLO has been sent.
		step = "starttls"
		c, err = smtp.NewClientStartTLS(conn, t.tlsConfig(host))
		if err != nil {
			stop()
			_ = conn.Close()
			return nil, nil, fail(err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout = timeout
	c.SubmissionTimeout = timeout

	// Greeting (if not read yet) and EHLO; after STARTTLS this is also
	// where the TLS handshake happens.
	step = "ehlo"
	if mode == "starttls" {
		step = "tls handshake and ehlo after starttls"
	}
	if err := c.Hello(localName); err != nil {
		stop()
		_ = c.Close()
		return nil, nil, fail(err)
	}
	if !stop() {
		// The deadline or ctx closed the connection just as we finished.
		_ = c.Close()
		return nil, nil, fail(net.ErrClosed)
	}
	return c, conn, nil
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
