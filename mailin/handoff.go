package mailin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
)

// The hand-off protocol carries one message from `ticketgw deliver` to the
// running serve of the same data_dir, over a private Unix socket, so that
// an MTA pipe gets exactly what a direct ingest gives while serve holds the
// store. Unlike SMTP it has no line length, no dot-stuffing, no address
// syntax and no CRLF rewriting: the envelope and the bytes arrive unchanged.
//
// A request is a version line, then fields, each a name, a space, the
// decimal length of its value, a newline, the value's bytes and a newline;
// "data" comes last and ends the request (no newline after its bytes):
//
//	ticketgw-handoff 1\n
//	from 18\nmaria@cliente.test\n      envelope sender ("" with null-sender)
//	null-sender 1\n1\n                 optional: the null reverse path
//	rcpt 19\nsuporte@acme.com.br\n     0 or more envelope recipients
//	data 1234\n<1234 raw bytes>
//
// The answer is one line, written only after the ingest committed, then the
// server closes the connection:
//
//	250 {"outcome":"created","ticket":"SUP-1000","reason":""}
//	451 4.3.0 text     nothing committed: try again later
//	552 5.3.4 text     larger than the limit: refused
//	554 5.5.0 text     not a hand-off request
const handoffVersion = "ticketgw-handoff 1"

// Hand-off limits on what a request may hold beside the message.
const (
	handoffMaxLine       = 64
	handoffMaxAddress    = 4096
	handoffMaxRecipients = 1000
)

// HandoffOptions configure the hand-off server.
type HandoffOptions struct {
	// MaxMessageBytes caps the raw bytes of one message (smtp.max_message_bytes).
	MaxMessageBytes int64
	// Timeout bounds the reading of a request and the writing of its
	// answer (default 2m).
	Timeout time.Duration
	// BudgetWait bounds the wait of a received message for the ingest
	// memory budget (default Timeout); past it the answer is 451 4.3.1
	// and deliver exits 75, so that the MTA retries.
	BudgetWait time.Duration
	// MaxConns bounds the requests handled at once, each of which holds
	// its message in memory (default 32); more wait to be accepted.
	MaxConns int
	Logger   *slog.Logger
}

// Handoff serves the hand-off protocol: each request is ingested through
// the same Ingest as a direct `deliver`, with Source "deliver".
type Handoff struct {
	g    *Ingester
	opts HandoffOptions
}

// NewHandoff makes a hand-off server that ingests through g.
func NewHandoff(g *Ingester, opts HandoffOptions) *Handoff {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 25 << 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.BudgetWait <= 0 {
		opts.BudgetWait = opts.Timeout
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 32
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handoff{g: g, opts: opts}
}

// Serve accepts requests on ln until ctx is done, then closes ln, cuts the
// requests still being read (their clients retry) and waits for those being
// ingested to commit and be answered.
func (h *Handoff) Serve(ctx context.Context, ln net.Listener) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
			return
		}
		ln.Close()
		mu.Lock()
		for c, reading := range conns {
			if reading {
				_ = c.SetReadDeadline(time.Now())
			}
		}
		mu.Unlock()
	}()
	defer close(stopped)
	slots := make(chan struct{}, h.opts.MaxConns)
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return nil
		}
		c, err := ln.Accept()
		if err != nil {
			<-slots
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("hand-off: %w", err)
		}
		_ = c.SetDeadline(time.Now().Add(h.opts.Timeout))
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		if ctx.Err() != nil {
			_ = c.SetReadDeadline(time.Now())
		}
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
				<-slots
			}()
			h.handle(c, func() {
				mu.Lock()
				conns[c] = false
				mu.Unlock()
			})
		})
	}
}

// HandoffError is a refusal or a temporary failure answered by the server
// (or the failure to get an answer at all, Code 451).
type HandoffError struct {
	// Code is 451 (try again later), 552 (too large) or 554.
	Code int
	// Status is the enhanced status code ("4.3.0").
	Status string
	Text   string
}

func (e *HandoffError) Error() string {
	return fmt.Sprintf("%d %s %s", e.Code, e.Status, e.Text)
}

// Temporary tells whether the message may be delivered on a later try.
func (e *HandoffError) Temporary() bool { return e.Code < 500 }

var (
	errHandoffDeadline = errors.New("hand-off request not complete in time")
	errLongLine        = fmt.Errorf("line longer than %d bytes", handoffMaxLine)
)

func (h *Handoff) handle(c net.Conn, read func()) {
	env, sp, herr := h.readRequest(bufio.NewReader(c))
	read()
	var answer string
	if herr != nil {
		h.opts.Logger.Warn("hand-off refused", "code", herr.Code, "error", herr.Text)
		answer = fmt.Sprintf("%d %s %s\n", herr.Code, herr.Status, herr.Text)
	} else {
		defer sp.Close()
		wait, cancel := context.WithTimeout(context.Background(), h.opts.BudgetWait)
		res, err := h.g.IngestSpool(wait, sp, env)
		cancel()
		switch {
		case errors.Is(err, budget.ErrBusy):
			h.opts.Logger.Warn("hand-off deferred", "bytes", sp.Size(), "reason", "memory budget busy")
			answer = "451 4.3.1 too much mail in progress, try again later\n"
		case err != nil:
			answer = "451 4.3.0 temporary failure storing the message, try again later\n"
		default:
			line, _ := json.Marshal(res)
			answer = "250 " + string(line) + "\n"
		}
	}
	_ = c.SetWriteDeadline(time.Now().Add(h.opts.Timeout))
	_, _ = io.WriteString(c, answer)
}

// readRequest reads one request; a *HandoffError says why it cannot be taken.
func (h *Handoff) readRequest(r *bufio.Reader) (Envelope, *Spool, *HandoffError) {
	env := Envelope{Source: "deliver"}
	bad := func(format string, a ...any) *HandoffError {
		return &HandoffError{Code: 554, Status: "5.5.0", Text: fmt.Sprintf(format, a...)}
	}
	readErr := func(err error) *HandoffError {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return bad("request cut short")
		}
		if errors.Is(err, errLongLine) {
			return bad("%v", err)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			err = errHandoffDeadline
		}
		return &HandoffError{Code: 451, Status: "4.4.2", Text: "reading the request: " + err.Error()}
	}
	line, err := readLine(r)
	if err != nil {
		return env, nil, readErr(err)
	}
	if line != handoffVersion {
		return env, nil, bad("not a %q request", handoffVersion)
	}
	for {
		line, err := readLine(r)
		if err != nil {
			return env, nil, readErr(err)
		}
		name, size, ok := strings.Cut(line, " ")
		n, perr := strconv.ParseInt(size, 10, 64)
		if !ok || perr != nil || n < 0 {
			return env, nil, bad("bad field line %q", line)
		}
		if name == "data" {
			if n > h.opts.MaxMessageBytes {
				return env, nil, &HandoffError{Code: 552, Status: "5.3.4", Text: fmt.Sprintf("message of %d bytes is larger than the limit of %d", n, h.opts.MaxMessageBytes)}
			}
			sp, err := h.g.ReadSpool(io.LimitReader(r, n))
			if errors.Is(err, ErrSpool) {
				h.opts.Logger.Error("hand-off: cannot spool a large message", "error", err)
				return env, nil, &HandoffError{Code: 451, Status: "4.3.0", Text: "temporary failure storing the message, try again later"}
			}
			if err == nil && sp.Size() < n {
				sp.Close()
				err = io.ErrUnexpectedEOF
			}
			if err != nil {
				return env, nil, readErr(err)
			}
			if len(env.Recipients) > 0 {
				env.Recipient = env.Recipients[0]
			}
			return env, sp, nil
		}
		if n > handoffMaxAddress {
			return env, nil, bad("field %s of %d bytes is too long", name, n)
		}
		value := make([]byte, n+1)
		if _, err := io.ReadFull(r, value); err != nil {
			return env, nil, readErr(err)
		}
		if value[n] != '\n' {
			return env, nil, bad("field %s does not end with a newline", name)
		}
		v := string(value[:n])
		switch name {
		case "from":
			env.MailFrom = v
		case "null-sender":
			env.NullSender = v == "1"
		case "rcpt":
			if len(env.Recipients) >= handoffMaxRecipients {
				return env, nil, bad("more than %d recipients", handoffMaxRecipients)
			}
			env.Recipients = append(env.Recipients, v)
		default:
			// Unknown fields are skipped: a newer deliver may say more.
		}
	}
}

// readLine reads a short protocol line without its newline.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\n' {
			return string(b), nil
		}
		if len(b) >= handoffMaxLine {
			return "", errLongLine
		}
		b = append(b, c)
	}
}

// SendHandoff hands one message over conn to a hand-off server and
// returns the outcome it committed. An error is either a *HandoffError
// (the server's answer, or 451 when no answer came: the message may or may
// not have been committed, and a retry is recorded as a duplicate) or the
// failure to write the request. It closes conn.
func SendHandoff(ctx context.Context, conn net.Conn, env Envelope, raw []byte) (Result, error) {
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	w := bufio.NewWriter(conn)
	field := func(name, value string) {
		fmt.Fprintf(w, "%s %d\n%s\n", name, len(value), value)
	}
	fmt.Fprintf(w, "%s\n", handoffVersion)
	field("from", env.MailFrom)
	if env.NullSender {
		field("null-sender", "1")
	}
	rcpts := env.Recipients
	if len(rcpts) == 0 && env.Recipient != "" {
		rcpts = []string{env.Recipient}
	}
	for _, rc := range rcpts {
		field("rcpt", rc)
	}
	fmt.Fprintf(w, "data %d\n", len(raw))
	_, _ = w.Write(raw)
	werr := w.Flush()
	// Even when writing failed the server may have answered why (too
	// large) before it closed: read what it said.
	answer, rerr := bufio.NewReader(io.LimitReader(conn, 64<<10)).ReadString('\n')
	if rerr != nil {
		if werr != nil {
			return Result{}, fmt.Errorf("hand-off: send: %w", werr)
		}
		return Result{}, &HandoffError{Code: 451, Status: "4.4.2", Text: "no answer from serve: " + rerr.Error()}
	}
	return parseHandoffAnswer(strings.TrimSuffix(answer, "\n"))
}

func parseHandoffAnswer(line string) (Result, error) {
	code, rest, _ := strings.Cut(line, " ")
	if code == "250" {
		var res Result
		if err := json.Unmarshal([]byte(rest), &res); err != nil || res.Outcome == "" {
			return Result{}, &HandoffError{Code: 451, Status: "4.5.0", Text: fmt.Sprintf("answer %q is not an outcome", line)}
		}
		return res, nil
	}
	n, err := strconv.Atoi(code)
	if err != nil || n < 400 || n > 599 {
		return Result{}, &HandoffError{Code: 451, Status: "4.5.0", Text: fmt.Sprintf("answer %q is not the hand-off's", line)}
	}
	status, text, _ := strings.Cut(rest, " ")
	return Result{}, &HandoffError{Code: n, Status: status, Text: text}
}
