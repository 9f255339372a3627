package mailin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// startListener serves the listener on a loopback port for the test.
func startListener(t testing.TB, g *mailin.Ingester, opts mailin.ListenerOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := mailin.NewListener(g, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
	return ln.Addr().String()
}

func dial(t testing.TB, addr string, lmtp bool) *smtp.Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClient(conn)
	if lmtp {
		c = smtp.NewClientLMTP(conn)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

// sendMail runs one transaction and returns the 250 text or the error.
func sendMail(c *smtp.Client, from string, to []string, raw []byte) (string, error) {
	if err := c.Mail(from, nil); err != nil {
		return "", err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return "", err
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := w.Write(raw); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(resp.StatusText, "2.0.0 "), nil
}

func smtpCode(err error) int {
	var e *smtp.SMTPError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestListenerRecipients(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{})
	c := dial(t, addr, false)
	for _, ext := range []string{"8BITMIME", "SMTPUTF8", "PIPELINING"} {
		if ok, _ := c.Extension(ext); !ok {
			t.Errorf("%s not offered", ext)
		}
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Errorf("STARTTLS offered without a certificate")
	}
	if err := c.Mail("a@cliente.com.br", nil); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{"outro@acme.com.br", "suporte@outra.com", "postmaster@acme.com.br", "suporte@acme.com.br.evil.com"} {
		var e *smtp.SMTPError
		if err := c.Rcpt(rcpt, nil); !errors.As(err, &e) || e.Code != 550 || e.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
			t.Errorf("RCPT %s: %v, want 550 5.1.1", rcpt, err)
		}
	}
	for _, rcpt := range []string{"suporte@acme.com.br", "BUGS@Acme.com.br", "suporte+SUP-1000@acme.com.br"} {
		if err := c.Rcpt(rcpt, nil); err != nil {
			t.Errorf("RCPT %s: %v", rcpt, err)
		}
	}
	c.Reset()
	reply, err := sendMail(c, "a@cliente.com.br", []string{"suporte@acme.com.br"}, mail([]string{"From: a@cliente.com.br", "To: suporte@acme.com.br", "Subject: Oi", "Message-ID: <l1@c>"}, "corpo\n"))
	if err != nil || reply != "Ok: created ticket=SUP-1000" {
		t.Fatalf("DATA: %q %v", reply, err)
	}
	res, err := mailin.ParseReply(reply)
	if err != nil || res.Outcome != tickets.Created || res.Ticket != "SUP-1000" {
		t.Fatalf("ParseReply: %+v %v", res, err)
	}
	// The same message again: 250, recorded as a duplicate of the ticket.
	reply, err = sendMail(c, "a@cliente.com.br", []string{"suporte@acme.com.br"}, mail([]string{"From: a@cliente.com.br", "To: suporte@acme.com.br", "Subject: Oi", "Message-ID: <l1@c>"}, "corpo\n"))
	if err != nil || reply != "Ok: duplicate ticket=SUP-1000" {
		t.Fatalf("redelivery: %q %v", reply, err)
	}
}

func TestListenerSizeLimitAndClosedStore(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{MaxMessageBytes: 1000})
	c := dial(t, addr, false)
	big := mail([]string{"From: a@b.com", "To: suporte@acme.com.br", "Subject: grande"}, strings.Repeat("linha de texto\n", 200))
	var e *smtp.SMTPError
	if _, err := sendMail(c, "a@b.com", []string{"suporte@acme.com.br"}, big); !errors.As(err, &e) || e.Code != 552 || e.EnhancedCode != (smtp.EnhancedCode{5, 3, 4}) {
		t.Fatalf("too large: %v, want 552 5.3.4", err)
	}
	st.Close()
	c = dial(t, addr, false)
	_, err := sendMail(c, "a@b.com", []string{"suporte@acme.com.br"}, mail([]string{"From: a@b.com", "To: suporte@acme.com.br", "Subject: x"}, "y\n"))
	if !errors.As(err, &e) || e.Code != 451 || e.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Fatalf("closed store: %v, want 451 4.3.0", err)
	}
}

func TestListenerPlusAddressThreads(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{})
	c := dial(t, addr, false)
	if _, err := sendMail(c, "ana@cliente.com.br", []string{"suporte@acme.com.br"}, mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: Primeiro", "Message-ID: <p1@c>"}, "a\n")); err != nil {
		t.Fatal(err)
	}
	// The header names only suporte@; the envelope carries the plus form
	// (a Bcc, or a rule that rewrote the recipient).
	reply, err := sendMail(c, "ana@cliente.com.br", []string{"suporte+sup-1000@acme.com.br"}, mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: outro assunto", "Message-ID: <p2@c>"}, "b\n"))
	if err != nil || reply != "Ok: appended ticket=SUP-1000" {
		t.Fatalf("plus address: %q %v", reply, err)
	}
	if n := len(detail(t, st, "SUP-1000").Messages); n != 2 {
		t.Fatalf("%d messages", n)
	}
}

func TestLMTPPerRecipient(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{LMTP: true})
	c := dial(t, addr, true)
	if err := c.Mail("a@cliente.com.br", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"suporte@acme.com.br", "bugs@acme.com.br"} {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Rcpt("ninguem@acme.com.br", nil); smtpCode(err) != 550 {
		t.Fatalf("unknown LMTP recipient: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mail([]string{"From: a@cliente.com.br", "To: bugs@acme.com.br", "Cc: suporte@acme.com.br", "Subject: Falha", "Message-ID: <lm1@c>"}, "x\n"))
	resps, err := w.CloseWithLMTPResponse()
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 2 {
		t.Fatalf("%d LMTP statuses, want one per accepted recipient: %v", len(resps), resps)
	}
	for rcpt, r := range resps {
		if res, err := mailin.ParseReply(r.StatusText); err != nil || res.Outcome != tickets.Created || res.Ticket != "SUP-1000" {
			t.Errorf("%s: %q", rcpt, r.StatusText)
		}
	}
}

func TestListenerNullSenderNeverAnswered(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{})
	reply, err := sendMail(dial(t, addr, false), "", []string{"suporte@acme.com.br"}, mail([]string{"From: robo@cliente.com.br", "To: suporte@acme.com.br", "Subject: aviso"}, "x\n"))
	if err != nil || reply != "Ok: ignored reason=auto-reply" {
		t.Fatalf("null sender: %q %v", reply, err)
	}
	var out []tickets.OutboxEntry
	_ = st.View(context.Background(), func(v tickets.View) error { out, _ = v.Outbox(""); return nil })
	if len(out) != 0 {
		t.Fatalf("outbox %+v", out)
	}
}

func TestListenerLimits(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{MaxConnsPerIP: 2, CommandsPerSecond: 5, MaxRecipients: 3,
		TrustedNetworks: []netip.Prefix{}})
	c1, c2 := dial(t, addr, false), dial(t, addr, false)
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 200)
	n, _ := conn.Read(buf)
	conn.Close()
	if !strings.HasPrefix(string(buf[:n]), "421 4.7.0") {
		t.Errorf("third connection got %q, want 421 4.7.0", buf[:n])
	}
	c2.Close()
	// Recipient limit.
	if err := c1.Mail("a@b.com", nil); err != nil {
		t.Fatal(err)
	}
	var rcptErr error
	for i := 0; i < 4 && rcptErr == nil; i++ {
		rcptErr = c1.Rcpt(fmt.Sprintf("suporte+x%d@acme.com.br", i), nil)
	}
	if code := smtpCode(rcptErr); code != 452 && code != 552 {
		t.Errorf("4th recipient: %v, want a too-many-recipients reply", rcptErr)
	}
	// Command rate: a burst beyond twice the rate is told to slow down.
	var rateErr error
	for i := 0; i < 30 && rateErr == nil; i++ {
		rateErr = c1.Mail("a@b.com", nil)
	}
	if smtpCode(rateErr) != 421 {
		t.Errorf("command flood: %v, want 421", rateErr)
	}
}

func TestListenerSTARTTLS(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	cert := selfSigned(t)
	addr := startListener(t, g, mailin.ListenerOptions{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	if ok, _ := dial(t, addr, false).Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
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
	if reply, err := sendMail(c, "a@b.com", []string{"suporte@acme.com.br"}, mail([]string{"From: a@b.com", "To: suporte@acme.com.br", "Subject: tls"}, "x\n")); err != nil || !strings.HasPrefix(reply, "Ok: created") {
		t.Fatalf("over TLS: %q %v", reply, err)
	}
	if state, ok := c.TLSConnectionState(); !ok || !state.HandshakeComplete {
		t.Fatal("the message did not go over TLS")
	}
}

func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestListenerConcurrency: 50 clients send 20 messages each at once; every
// one becomes its own ticket, none doubled, none missing.
func TestListenerConcurrency(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	addr := startListener(t, g, mailin.ListenerOptions{MaxConnsPerIP: 100})
	const clients, each = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			c := smtp.NewClient(conn)
			defer c.Close()
			for j := range each {
				raw := mail([]string{"From: c@cliente.com.br", "To: suporte@acme.com.br",
					fmt.Sprintf("Subject: pedido %d-%d", i, j), fmt.Sprintf("Message-ID: <%d.%d@c>", i, j)}, "texto\n")
				if reply, err := sendMail(c, "c@cliente.com.br", []string{"suporte@acme.com.br"}, raw); err != nil || !strings.HasPrefix(reply, "Ok: created") {
					errs <- fmt.Errorf("client %d message %d: %q %v", i, j, reply, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var list []tickets.Ticket
	_ = st.View(context.Background(), func(v tickets.View) error { list, _ = v.Tickets(tickets.Filter{}); return nil })
	subjects := map[string]bool{}
	for _, tk := range list {
		subjects[tk.Subject] = true
	}
	if len(list) != clients*each || len(subjects) != clients*each {
		t.Fatalf("%d tickets, %d distinct subjects; want %d", len(list), len(subjects), clients*each)
	}
}
