package mailout

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// relayMsg is a CRLF message with a line starting with a dot (dot-stuffing
// must round-trip) and 8-bit text.
const relayMsg = "Message-ID: <relay-1@acme.com.br>\r\n" +
	"From: Suporte ACME <suporte@acme.com.br>\r\n" +
	"To: maria@cliente.com.br\r\n" +
	"Subject: [SUP-1000] Recebemos sua mensagem\r\n" +
	"Auto-Submitted: auto-replied\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Olá Maria,\r\n" +
	".a line that starts with a dot\r\n" +
	"..two dots\r\n" +
	"\r\n" +
	"Atenciosamente\r\n"

// received is one message as the test relay saw it.
type received struct {
	Helo string
	From string
	To   []string
	Data []byte
	TLS  bool   // the session was encrypted when DATA arrived
	User string // the authenticated user, "" without AUTH
}

// relay is a go-smtp Backend recording what arrives, with knobs for the
// replies it gives.
type relay struct {
	mechs    []string // AUTH mechanisms offered; none → AUTH not advertised
	user     string   // required credentials when mechs is set
	pass     string
	rcptErr  func(to string) error // nil accepts every recipient
	dataErr  error                 // returned from Data after reading it
	dataHold chan struct{}         // when set, Data waits on it before replying

	mu        sync.Mutex
	msgs      []received
	authTries []string // mechanisms the client tried
}

func (r *relay) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &relaySession{r: r, conn: c}, nil
}

func (r *relay) delivered() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.msgs...)
}

func (r *relay) tries() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.authTries...)
}

type relaySession struct {
	r    *relay
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *relaySession) AuthMechanisms() []string { return s.r.mechs }

func (s *relaySession) Auth(mech string) (sasl.Server, error) {
	s.r.mu.Lock()
	s.r.authTries = append(s.r.authTries, mech)
	s.r.mu.Unlock()
	check := func(username, password string) error {
		if username != s.r.user || password != s.r.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error {
			return check(username, password)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	if len(s.r.mechs) > 0 && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.r.rcptErr != nil {
		if err := s.r.rcptErr(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	if s.r.dataHold != nil {
		<-s.r.dataHold
	}
	if s.r.dataErr != nil {
		return s.r.dataErr
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, received{
		Helo: s.conn.Hostname(), From: s.from, To: s.to, Data: data, TLS: isTLS, User: s.user,
	})
	s.r.mu.Unlock()
	return nil
}

func (s *relaySession) Reset() { s.from, s.to = "", nil }

func (s *relaySession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl only ships the
// client): it asks for the user name unless the client sent it as the
// initial response, then for the password, with the challenges the
// go-sasl client expects.
type loginServer struct {
	check    func(username, password string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.username = string(response)
		l.step = 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(l.username, string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// serveRelay starts r on 127.0.0.1:0. mode "none" offers no TLS,
// "starttls" offers STARTTLS with cert, "implicit" speaks TLS from the
// first byte. AUTH is allowed in clear only in mode "none".
func serveRelay(t *testing.T, r *relay, mode string, cert *tls.Certificate) string {
	t.Helper()
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "none":
		srv.AllowInsecureAuth = true
	case "starttls":
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	case "implicit":
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
	default:
		t.Fatalf("bad mode %q", mode)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		if r.dataHold != nil {
			close(r.dataHold)
		}
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "relay.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// silentServer accepts TCP connections and never says anything.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

func sendCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantDelivered(t *testing.T, r *relay, from string, to []string) received {
	t.Helper()
	msgs := r.delivered()
	if len(msgs) != 1 {
		t.Fatalf("relay got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != from {
		t.Errorf("MAIL FROM = %q, want %q", m.From, from)
	}
	if strings.Join(m.To, ",") != strings.Join(to, ",") {
		t.Errorf("RCPT TO = %q, want %q", m.To, to)
	}
	if !bytes.Equal(m.Data, []byte(relayMsg)) {
		t.Errorf("DATA differs:\n got %q\nwant %q", m.Data, relayMsg)
	}
	return m
}

func wantTransient(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want an error")
	}
	if IsPermanent(err) {
		t.Fatalf("error %q is permanent, want transient", err)
	}
}

func wantPermanent(t *testing.T, err error, code int, enhanced string) *PermanentError {
	t.Helper()
	var pe *PermanentError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a PermanentError", err, err)
	}
	if !IsPermanent(err) {
		t.Error("IsPermanent = false for a PermanentError")
	}
	if pe.Code != code || pe.Enhanced != enhanced {
		t.Errorf("PermanentError = %d %q, want %d %q", pe.Code, pe.Enhanced, code, enhanced)
	}
	return pe
}

func TestSMTPPlainDelivery(t *testing.T) {
	r := &relay{}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none", LocalName: "ticketgw.acme.test"}
	to := []string{"maria@cliente.com.br", "joao@cliente.com.br"}
	if err := tr.Send(sendCtx(t), "suporte@acme.com.br", to, []byte(relayMsg)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := wantDelivered(t, r, "suporte@acme.com.br", to)
	if m.TLS {
		t.Error("session was TLS with tls=none")
	}
	if m.Helo != "ticketgw.acme.test" {
		t.Errorf("EHLO name = %q, want ticketgw.acme.test", m.Helo)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	r := &relay{mechs: []string{sasl.Plain}, user: "gw", pass: "s3cret"}
	addr := serveRelay(t, r, "starttls", cert)
	tr := &SMTPTransport{
		Addr: addr, TLS: "starttls", Username: "gw", Password: "s3cret",
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
	}
	if err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := wantDelivered(t, r, "suporte@acme.com.br", []string{"maria@cliente.com.br"})
	if !m.TLS {
		t.Error("message arrived in clear with tls=starttls")
	}
	// The relay only offers AUTH once TLS is up, so this also shows the
	// credentials went over TLS.
	if m.User != "gw" {
		t.Errorf("authenticated user = %q, want gw", m.User)
	}
	if m.Helo != "localhost" {
		t.Errorf("EHLO name = %q, want the default localhost", m.Helo)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	r := &relay{}
	addr := serveRelay(t, r, "implicit", cert)
	// No ServerName: it must default to the host of Addr (an IP SAN here).
	tr := &SMTPTransport{Addr: addr, TLS: "implicit", TLSConfig: &tls.Config{RootCAs: pool}}
	if err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := wantDelivered(t, r, "suporte@acme.com.br", []string{"maria@cliente.com.br"}); !m.TLS {
		t.Error("message arrived in clear with tls=implicit")
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	cert, _ := selfSigned(t)
	for _, mode := range []string{"starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			r := &relay{}
			addr := serveRelay(t, r, mode, cert)
			tr := &SMTPTransport{Addr: addr, TLS: mode, Timeout: 5 * time.Second} // system roots
			err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
			wantTransient(t, err)
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("error %q does not carry the certificate failure", err)
			}
			if n := len(r.delivered()); n != 0 {
				t.Errorf("relay got %d messages over an untrusted TLS session", n)
			}
		})
	}
}

func TestSMTPStartTLSNotOffered(t *testing.T) {
	r := &relay{mechs: []string{sasl.Plain}, user: "gw", pass: "s3cret"}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "starttls", Username: "gw", Password: "s3cret"}
	err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
	wantTransient(t, err)
	if !strings.Contains(err.Error(), "STARTTLS") || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q should name the relay and STARTTLS", err)
	}
	if n := len(r.delivered()); n != 0 {
		t.Errorf("relay got %d messages in clear", n)
	}
	if tries := r.tries(); len(tries) != 0 {
		t.Errorf("credentials sent in clear (AUTH %v)", tries)
	}
}

func TestSMTPAuthPlain(t *testing.T) {
	r := &relay{mechs: []string{sasl.Login, sasl.Plain}, user: "gw", pass: "s3cret"}
	addr := serveRelay(t, r, "none", nil)

	t.Run("success", func(t *testing.T) {
		tr := &SMTPTransport{Addr: addr, TLS: "none", Username: "gw", Password: "s3cret"}
		if err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if m := wantDelivered(t, r, "suporte@acme.com.br", []string{"maria@cliente.com.br"}); m.User != "gw" {
			t.Errorf("authenticated user = %q, want gw", m.User)
		}
		if tries := r.tries(); len(tries) != 1 || tries[0] != sasl.Plain {
			t.Errorf("AUTH mechanisms tried = %v, want [PLAIN] (preferred over LOGIN)", tries)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		tr := &SMTPTransport{Addr: addr, TLS: "none", Username: "gw", Password: "wrong"}
		err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
		pe := wantPermanent(t, err, 535, "5.7.8")
		if pe.Message != "Authentication failed" {
			t.Errorf("message = %q, want the server's text", pe.Message)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("error %q leaks the password", err)
		}
		if n := len(r.delivered()); n != 1 {
			t.Errorf("relay has %d messages, want only the one from the success case", n)
		}
	})
}

func TestSMTPAuthLogin(t *testing.T) {
	r := &relay{mechs: []string{sasl.Login}, user: "gw", pass: "s3cret"}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none", Username: "gw", Password: "s3cret"}
	if err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if m := wantDelivered(t, r, "suporte@acme.com.br", []string{"maria@cliente.com.br"}); m.User != "gw" {
		t.Errorf("authenticated user = %q, want gw", m.User)
	}
	if tries := r.tries(); len(tries) != 1 || tries[0] != sasl.Login {
		t.Errorf("AUTH mechanisms tried = %v, want [LOGIN]", tries)
	}
}

func TestSMTPAuthNoUsableMechanism(t *testing.T) {
	r := &relay{mechs: []string{"CRAM-MD5"}, user: "gw", pass: "s3cret"}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none", Username: "gw", Password: "s3cret"}
	err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
	wantTransient(t, err)
	if !strings.Contains(err.Error(), "relay offers no AUTH PLAIN or LOGIN") {
		t.Errorf("error = %q", err)
	}
	if len(r.delivered()) != 0 || len(r.tries()) != 0 {
		t.Error("relay saw AUTH or a message")
	}
}

func TestSMTPRcptTempFail(t *testing.T) {
	r := &relay{rcptErr: func(string) error {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none"}
	err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
	wantTransient(t, err)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 {
		t.Errorf("error %q does not keep the 451 reply", err)
	}
	if !strings.Contains(err.Error(), "rcpt to <maria@cliente.com.br>: 451 4.3.0 try again later") {
		t.Errorf("error %q does not keep the reply and say which recipient", err)
	}
	if n := len(r.delivered()); n != 0 {
		t.Errorf("relay got %d messages", n)
	}
}

func TestSMTPRcptRefused(t *testing.T) {
	r := &relay{rcptErr: func(to string) error {
		if to == "ghost@cliente.com.br" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
		}
		return nil
	}}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none"}
	// The first recipient is accepted, the second refused: all or nothing.
	err := tr.Send(sendCtx(t), "suporte@acme.com.br",
		[]string{"maria@cliente.com.br", "ghost@cliente.com.br"}, []byte(relayMsg))
	pe := wantPermanent(t, err, 550, "5.1.1")
	if pe.Message != "mailbox unavailable" {
		t.Errorf("message = %q", pe.Message)
	}
	if got := pe.Error(); got != "550 5.1.1 mailbox unavailable" {
		t.Errorf("PermanentError.Error() = %q", got)
	}
	if !strings.Contains(err.Error(), "550 5.1.1 mailbox unavailable") || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q should keep the reply and name the relay", err)
	}
	if n := len(r.delivered()); n != 0 {
		t.Errorf("relay got %d messages, want none", n)
	}
}

func TestSMTPDataRefused(t *testing.T) {
	r := &relay{dataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content rejected"}}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none"}
	err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
	if pe := wantPermanent(t, err, 554, "5.6.0"); pe.Message != "content rejected" {
		t.Errorf("message = %q", pe.Message)
	}
}

func TestSMTPConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	tr := &SMTPTransport{Addr: addr, TLS: "none", Timeout: 5 * time.Second}
	err = tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
	wantTransient(t, err)
	if !strings.HasPrefix(err.Error(), "relay "+addr+": dial: ") {
		t.Errorf("error = %q, want it to start with relay %s: dial:", err, addr)
	}
}

func TestSMTPNoGreetingTimesOut(t *testing.T) {
	addr := silentServer(t)
	for _, mode := range []string{"none", "starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			tr := &SMTPTransport{Addr: addr, TLS: mode, Timeout: 500 * time.Millisecond, GreetingTimeout: 500 * time.Millisecond}
			start := time.Now()
			err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
			took := time.Since(start)
			wantTransient(t, err)
			if took > 3*time.Second {
				t.Errorf("Send took %v with a 500ms timeout", took)
			}
			if took < 400*time.Millisecond {
				t.Errorf("Send gave up after %v, before the 500ms timeout", took)
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("error %q is not reported as a timeout", err)
			}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				t.Errorf("error %q looks like the caller's ctx ended", err)
			}
		})
	}
}

// stallingServer speaks just enough SMTP by hand to reach DATA, answers
// 354 and then stops reading, as a wedged relay would.
func stallingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	release := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		_ = tp.PrintfLine("220 stall.test ESMTP")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch verb, _, _ := strings.Cut(strings.ToUpper(line), " "); verb {
			case "EHLO":
				_ = tp.PrintfLine("250-stall.test\r\n250 8BITMIME")
			case "DATA":
				_ = tp.PrintfLine("354 go ahead")
				<-release // never read the body
				return
			default:
				_ = tp.PrintfLine("250 ok")
			}
		}
	}()
	t.Cleanup(func() {
		close(release)
		_ = ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestSMTPStalledDataTimesOut(t *testing.T) {
	addr := stallingServer(t)
	tr := &SMTPTransport{Addr: addr, TLS: "none", Timeout: 500 * time.Millisecond}
	// Far more than the socket buffers hold, so writing must block.
	big := []byte(relayMsg + strings.Repeat(strings.Repeat("x", 998)+"\r\n", 64<<10))
	start := time.Now()
	err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, big)
	took := time.Since(start)
	wantTransient(t, err)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), ": data: ") {
		t.Errorf("error %q is not a timeout during data", err)
	}
	if took > 10*time.Second {
		t.Errorf("Send took %v with a 500ms timeout", took)
	}
}

func TestSMTPContextCancel(t *testing.T) {
	t.Run("before send", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		tr := &SMTPTransport{Addr: silentServer(t), TLS: "none"}
		err := tr.Send(ctx, "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
	})

	t.Run("while waiting for the greeting", func(t *testing.T) {
		for _, mode := range []string{"none", "starttls", "implicit"} {
			tr := &SMTPTransport{Addr: silentServer(t), TLS: mode, Timeout: time.Minute}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			err := tr.Send(ctx, "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("%s: Send took %v after cancel", mode, took)
			}
			if !errors.Is(err, context.Canceled) || IsPermanent(err) {
				t.Errorf("%s: error = %v, want a transient context.Canceled", mode, err)
			}
		}
	})

	t.Run("during DATA", func(t *testing.T) {
		r := &relay{dataHold: make(chan struct{})}
		addr := serveRelay(t, r, "none", nil)
		tr := &SMTPTransport{Addr: addr, TLS: "none", Timeout: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		err := tr.Send(ctx, "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("Send took %v after cancel", took)
		}
		if !errors.Is(err, context.Canceled) || IsPermanent(err) {
			t.Errorf("error = %v, want a transient context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "data") {
			t.Errorf("error %q should name the step", err)
		}
	})
}

func TestSMTPBadConfig(t *testing.T) {
	ctx := sendCtx(t)
	for _, tr := range []*SMTPTransport{
		{Addr: "127.0.0.1:25", TLS: "ssl"},
		{Addr: "no-port", TLS: "none"},
	} {
		if err := tr.Send(ctx, "a@b", []string{"c@d"}, []byte(relayMsg)); err == nil {
			t.Errorf("%+v: Send succeeded", tr)
		}
	}
	tr := &SMTPTransport{Addr: "127.0.0.1:25", TLS: "none"}
	if err := tr.Send(ctx, "a@b", nil, []byte(relayMsg)); err == nil {
		t.Error("Send without recipients succeeded")
	}
}

func TestPermanentError(t *testing.T) {
	for _, c := range []struct {
		e    PermanentError
		want string
	}{
		{PermanentError{Code: 550, Enhanced: "5.1.1", Message: "mailbox unavailable"}, "550 5.1.1 mailbox unavailable"},
		{PermanentError{Code: 554, Message: "no"}, "554 no"},
		{PermanentError{Code: 552}, "552"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	var err error = &PermanentError{Code: 550}
	if !IsPermanent(err) || !IsPermanent(errors.Join(errors.New("x"), err)) {
		t.Error("IsPermanent misses a (wrapped) PermanentError")
	}
	if IsPermanent(nil) || IsPermanent(errors.New("550 looks permanent")) {
		t.Error("IsPermanent true for a non-PermanentError")
	}
}
