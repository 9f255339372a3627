package mailin_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// startHandoff serves the hand-off protocol on a Unix socket in a
// temporary folder; stop ends it and waits for Serve to return.
func startHandoff(t *testing.T, g *mailin.Ingester, opts mailin.HandoffOptions) (path string, stop func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "h.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mailin.NewHandoff(g, opts).Serve(ctx, ln) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("hand-off Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return path, stop
}

func handOff(t *testing.T, path string, env mailin.Envelope, raw []byte) (mailin.Result, error) {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return mailin.SendHandoff(ctx, conn, env, raw)
}

// TestHandoffKeepsEnvelopeAndBytes: what SMTP would refuse or rewrite
// (bare LF, lone CR, a 10,000-byte line, NUL, an address with spaces and
// quotes, a recipient that is none of ours) arrives byte for byte and is
// ingested as a direct deliver would be.
func TestHandoffKeepsEnvelopeAndBytes(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	path, _ := startHandoff(t, g, mailin.HandoffOptions{MaxMessageBytes: 1 << 20})
	raw := []byte("From: \"ana maria\"@cliente.com.br\nTo: ajuda@acme.com.br\nSubject: teste\nMessage-ID: <h1@cliente.com.br>\n\n" +
		strings.Repeat("x", 10000) + "\r\nlone\rCR\x00nul\n")
	env := mailin.Envelope{MailFrom: `"ana maria"@cliente.com.br`, Recipients: []string{"ajuda@acme.com.br", "bugs@acme.com.br"}}
	res, err := handOff(t, path, env, raw)
	if err != nil || res.Outcome != tickets.Created {
		t.Fatalf("hand-off: %+v %v", res, err)
	}
	var in tickets.Inbound
	var stored []byte
	if err := st.View(context.Background(), func(v tickets.View) error {
		list, err := v.InboundList(tickets.Created)
		if err != nil || len(list) != 1 {
			return errors.Join(err, errors.New("not one created record"))
		}
		in = list[0]
		stored, err = v.Raw(in.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, raw) || in.Source != "deliver" || in.Recipient != "ajuda@acme.com.br" {
		t.Errorf("stored %+v, %d bytes (sent %d)", in, len(stored), len(raw))
	}
	// Routed by the second envelope recipient, the first of ours.
	if d := detail(t, st, res.Ticket); d.Type != tickets.TypeBug {
		t.Errorf("ticket type %s, want bug (routed by bugs@)", d.Type)
	}
	// The null sender is never answered.
	res, err = handOff(t, path, mailin.Envelope{NullSender: true, Recipients: []string{"suporte@acme.com.br"}},
		[]byte("From: robo@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: ola\r\n\r\noi\r\n"))
	if err != nil || res.Outcome != tickets.Ignored {
		t.Errorf("null sender: %+v %v", res, err)
	}
}

// TestHandoffRefusals: above the size limit is a permanent refusal (552)
// with nothing recorded; a request that is not the protocol's, or one cut
// short, is answered and recorded nothing either.
func TestHandoffRefusals(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	path, _ := startHandoff(t, g, mailin.HandoffOptions{MaxMessageBytes: 100})
	_, err := handOff(t, path, mailin.Envelope{}, bytes.Repeat([]byte("a"), 101))
	var herr *mailin.HandoffError
	if !errors.As(err, &herr) || herr.Code != 552 || herr.Status != "5.3.4" || herr.Temporary() {
		t.Errorf("too large: %v", err)
	}
	if res, err := handOff(t, path, mailin.Envelope{}, bytes.Repeat([]byte("a"), 100)); err != nil || res.Outcome != tickets.Held {
		t.Errorf("at the limit: %+v %v", res, err)
	}
	for _, req := range []string{"EHLO x\r\n", "ticketgw-handoff 1\nfrom 999999\n", "ticketgw-handoff 1\nfrom x\n", "ticketgw-handoff 1\ndata 10\nabc", strings.Repeat("x", 100) + "\n"} {
		conn, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, req)
		conn.(*net.UnixConn).CloseWrite()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		answer, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if !strings.HasPrefix(answer, "554 5.5.0 ") {
			t.Errorf("request %q: answer %q", req, answer)
		}
	}
	var n int
	st.View(context.Background(), func(v tickets.View) error {
		for _, o := range []tickets.Outcome{tickets.Created, tickets.Held, tickets.Ignored} {
			list, _ := v.InboundList(o)
			n += len(list)
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d records, want the one at the limit", n)
	}
}

// TestHandoffTimeoutAndShutdown: a client that stops writing is cut after
// the timeout with a temporary failure; at shutdown the listener stops
// taking connections, a request still being read is cut (the client may
// retry), and Serve returns.
func TestHandoffTimeoutAndShutdown(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	path, _ := startHandoff(t, g, mailin.HandoffOptions{Timeout: 300 * time.Millisecond})
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "ticketgw-handoff 1\ndata 10\nabc")
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	answer, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if !strings.HasPrefix(answer, "451 4.4.2 ") {
		t.Errorf("stalled client: %q", answer)
	}

	path, stop := startHandoff(t, g, mailin.HandoffOptions{Timeout: time.Minute})
	conn, err = net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "ticketgw-handoff 1\ndata 10\nabc")
	// Once a later request is answered, the stalled one is being read.
	if res, err := handOff(t, path, mailin.Envelope{}, []byte("From: a@b.com\r\n\r\nx\r\n")); err != nil || res.Outcome == "" {
		t.Fatalf("hand-off beside a stalled client: %+v %v", res, err)
	}
	start := time.Now()
	stop()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v with a stalled client", d)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	answer, _ = bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if !strings.HasPrefix(answer, "451 ") {
		t.Errorf("client cut at shutdown: %q", answer)
	}
	if _, err := net.Dial("unix", path); err == nil {
		t.Error("the socket still takes connections after shutdown")
	}
}
