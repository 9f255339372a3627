package mailin_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/mailin"
)

// rawClient is a hand-driven SMTP client, for what a well-behaved client
// library will not do: trickle bytes, hold sessions, NOOP for ever.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dialFrom connects from a given loopback source address (127.0.0.2 and
// up are there on Linux), so that per-IP caps can be exercised.
func dialFrom(t testing.TB, addr, from string) *rawClient {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// reply reads one reply (the last line of a multi-line one); "" when the
// connection ended first.
func (c *rawClient) reply() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return strings.TrimSpace(line)
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimSpace(line)
		}
	}
}

// cmd sends a line and returns the reply.
func (c *rawClient) cmd(line string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.reply()
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Logf("write: %v", err)
	}
}

// startTransaction greets and opens a transaction to the support address.
func (c *rawClient) startTransaction() {
	c.t.Helper()
	if r := c.reply(); !strings.HasPrefix(r, "220 ") {
		c.t.Fatalf("greeting %q", r)
	}
	for _, step := range []struct{ cmd, want string }{
		{"EHLO client.test", "250 "}, {"MAIL FROM:<c@cliente.com.br>", "250 "},
		{"RCPT TO:<suporte@acme.com.br>", "250 "}, {"DATA", "354 "},
	} {
		if r := c.cmd(step.cmd); !strings.HasPrefix(r, step.want) {
			c.t.Fatalf("%s: %q", step.cmd, r)
		}
	}
}

func msgText(subject string) string {
	return "From: c@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: " + subject + "\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@c>\r\n\r\n"
}

// TestListenerConnectionCaps: the per-IP cap, the global cap, and the
// trusted network that skips the first and gets the reserve of the second.
func TestListenerConnectionCaps(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{MaxConns: 20, MaxConnsPerIP: 3,
		TrustedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	greet := func(from string) string {
		return dialFrom(t, addr, from).reply()
	}
	for i := range 3 {
		if r := greet("127.0.0.2"); !strings.HasPrefix(r, "220 ") {
			t.Fatalf("connection %d from 127.0.0.2: %q", i, r)
		}
	}
	if r := greet("127.0.0.2"); !strings.HasPrefix(r, "421 4.7.0") || !strings.Contains(r, "your address") {
		t.Fatalf("4th from 127.0.0.2: %q, want 421 4.7.0 per address", r)
	}
	// Strangers fill what the reserve (a tenth: 2) leaves: 18.
	for i := 3; i < 18; i++ {
		if r := greet(fmt.Sprintf("127.0.1.%d", i)); !strings.HasPrefix(r, "220 ") {
			t.Fatalf("stranger %d: %q", i, r)
		}
	}
	if r := greet("127.0.2.1"); !strings.HasPrefix(r, "421 4.7.0") {
		t.Fatalf("19th stranger: %q, want 421 4.7.0", r)
	}
	// The trusted client still gets in, and delivers.
	c := dialFrom(t, addr, "127.0.0.1")
	c.startTransaction()
	c.send(msgText("caps") + "corpo\r\n.\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 Ok: created") {
		t.Fatalf("trusted client during the flood: %q", r)
	}
	// More trusted ones than PerIP, up to the global cap.
	if r := greet("127.0.0.1"); !strings.HasPrefix(r, "220 ") {
		t.Fatalf("second trusted: %q", r)
	}
	if r := greet("127.0.0.1"); !strings.HasPrefix(r, "421 4.7.0") {
		t.Fatalf("past the global cap, trusted: %q, want 421", r)
	}
}

// TestListenerIdleBeforeMail: NOOP, RSET, EHLO do not keep a session
// without a message alive past IdleTimeout; inside a transaction the
// longer Timeout applies.
func TestListenerIdleBeforeMail(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{IdleTimeout: 400 * time.Millisecond, Timeout: 5 * time.Second})

	c := dialFrom(t, addr, "")
	c.reply()
	start := time.Now()
	var last string
	for _, cmd := range []string{"EHLO a", "NOOP", "RSET", "VRFY x", "HELP", "NOOP", "EHLO b", "NOOP", "NOOP", "NOOP", "NOOP", "NOOP"} {
		if last = c.cmd(cmd); !strings.HasPrefix(last, "2") && !strings.HasPrefix(last, "5") {
			break
		}
		time.Sleep(100 * time.Millisecond) // the client's pace, not synchronisation
	}
	if !strings.HasPrefix(last, "421 4.4.2") {
		t.Fatalf("after 12 commands over %v without MAIL: %q, want 421 4.4.2", time.Since(start), last)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("closed after %v, want about 400ms", d)
	}

	// Inside a transaction a pause longer than IdleTimeout is fine.
	c = dialFrom(t, addr, "")
	c.reply()
	c.cmd("EHLO a")
	if r := c.cmd("MAIL FROM:<c@cliente.com.br>"); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	time.Sleep(700 * time.Millisecond) // a pause longer than IdleTimeout
	if r := c.cmd("RCPT TO:<suporte@acme.com.br>"); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("RCPT after a pause inside the transaction: %q", r)
	}
}

// TestListenerSessionLifetime: a client that keeps sending messages is
// still cut at the lifetime, at the next command.
func TestListenerSessionLifetime(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{Lifetime: time.Second})
	c := dialFrom(t, addr, "")
	c.reply()
	c.cmd("EHLO a")
	start := time.Now()
	var last string
	for i := 0; i < 100 && time.Since(start) < 5*time.Second; i++ {
		if last = c.cmd("MAIL FROM:<c@cliente.com.br>"); !strings.HasPrefix(last, "250 ") {
			break
		}
		c.cmd("RCPT TO:<suporte@acme.com.br>")
		c.cmd("DATA")
		c.send(msgText(fmt.Sprintf("lifetime %d", i)) + "x\r\n.\r\n")
		if last = c.reply(); !strings.HasPrefix(last, "250 ") {
			break
		}
		time.Sleep(50 * time.Millisecond) // the client's pace
	}
	if !strings.HasPrefix(last, "421 4.4.2") {
		t.Fatalf("after %v of messages: %q, want 421 4.4.2", time.Since(start), last)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 2*time.Second {
		t.Errorf("cut after %v, want about the 1s lifetime", d)
	}
}

// TestListenerBudgetCountsEveryCommand: a NOOP flood spends the command
// budget as a MAIL flood would.
func TestListenerBudgetCountsEveryCommand(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{CommandsPerSecond: 5})
	c := dialFrom(t, addr, "")
	c.reply()
	var last string
	n := 0
	for ; n < 40; n++ {
		if last = c.cmd("NOOP"); !strings.HasPrefix(last, "250 ") {
			break
		}
	}
	if !strings.HasPrefix(last, "421 ") || n > 11 {
		t.Fatalf("NOOP %d: %q, want 421 after the burst of 10", n, last)
	}
}

// TestListenerDataRateFloor: a slow but steady sender gets its message in
// although it takes longer than any fixed wall would allow; a trickle
// below the rate floor is answered 451 4.4.2, temporary, never 554.
func TestListenerDataRateFloor(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{DataMinRate: 2000, DataGrace: 300 * time.Millisecond,
		DataIdle: time.Second, DataTimeout: 10 * time.Second})

	// 16 KB/s for 1.5 s: five times the grace, well above the floor.
	slow := dialFrom(t, addr, "")
	slow.startTransaction()
	slow.send(msgText("slow sender"))
	line := strings.Repeat("a", 78) + "\r\n"
	for range 15 {
		slow.send(strings.Repeat(line, 20)) // 1.6 KB
		time.Sleep(100 * time.Millisecond)  // the sender's pace: 16 KB/s
	}
	slow.send(".\r\n")
	if r := slow.reply(); !strings.HasPrefix(r, "250 2.0.0 Ok: created") {
		t.Fatalf("16 KB/s sender: %q", r)
	}
	if n := countTickets(t, st); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}

	// 10 bytes a second: cut after the grace, answered 451 4.4.2.
	trickle := dialFrom(t, addr, "")
	trickle.startTransaction()
	start := time.Now()
	got := make(chan string, 1)
	go func() { got <- trickle.reply() }()
	var r string
	for i := 0; r == "" && i < 50; i++ {
		trickle.send("x")
		select {
		case r = <-got:
		case <-time.After(100 * time.Millisecond): // the sender's pace
		}
	}
	if !strings.HasPrefix(r, "451 4.4.2") {
		t.Fatalf("trickling sender: %q, want 451 4.4.2", r)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("trickle cut after %v, want about the 300ms grace", d)
	}
	if n := countTickets(t, st); n != 1 {
		t.Fatalf("%d tickets after the trickle, want 1", n)
	}
}

// TestListenerShutdownFinishesData: at shutdown a session mid-DATA is let
// finish and gets its 250 before Serve returns (so before serve closes the
// store), and its ticket exists; an idle session is closed at once.
func TestListenerShutdownFinishesData(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := mailin.NewListener(g, mailin.ListenerOptions{ShutdownTimeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	addr := ln.Addr().String()

	busy := dialFrom(t, addr, "")
	busy.startTransaction()
	busy.send(msgText("mid data") + "first half\r\n")
	idle := dialFrom(t, addr, "")
	idle.reply()
	idle.cmd("EHLO idle")

	cancel()
	if r := idle.reply(); !strings.HasPrefix(r, "421 ") {
		t.Fatalf("idle session at shutdown: %q, want 421", r)
	}
	// The shutdown has begun; Serve must wait for the message under way.
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) while a message was under way", err)
	default:
	}
	busy.send("second half\r\n.\r\n")
	if r := busy.reply(); !strings.HasPrefix(r, "250 2.0.0 Ok: created") {
		t.Fatalf("message finished during shutdown: %q", r)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the last message")
	}
	if n := countTickets(t, st); n != 1 {
		t.Fatalf("%d tickets, want the one finished during shutdown", n)
	}
}

// TestListenerDataRateOverTLS: after STARTTLS the limits still find the
// connection under tls.Conn: a message that takes longer than the command
// timeouts but keeps above the rate floor gets in.
func TestListenerDataRateOverTLS(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	cert := selfSigned(t)
	addr := startListener(t, g, mailin.ListenerOptions{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		IdleTimeout: 500 * time.Millisecond, Timeout: 500 * time.Millisecond,
		DataMinRate: 2000, DataGrace: 300 * time.Millisecond, DataIdle: time.Second})
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(conn, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("c@cliente.com.br", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("suporte@acme.com.br", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, msgText("slow over tls"))
	line := strings.Repeat("b", 78) + "\r\n"
	for range 12 {
		io.WriteString(w, strings.Repeat(line, 20))
		time.Sleep(100 * time.Millisecond) // the sender's pace: 16 KB/s for 1.2 s
	}
	resp, err := w.CloseWithResponse()
	if err != nil || !strings.HasPrefix(resp.StatusText, "2.0.0 Ok: created") {
		t.Fatalf("slow sender over TLS: %+v %v", resp, err)
	}
}
