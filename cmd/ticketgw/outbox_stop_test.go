package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/tickets"
)

// slowSink is an SMTP relay that counts the messages it accepts and waits
// before its reply to each: the relay of fault D6.
type slowSink struct {
	delay   time.Duration
	gotData chan struct{}
	mu      sync.Mutex
	n       int
}

func (s *slowSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &slowSession{s}, nil }

type slowSession struct{ s *slowSink }

func (*slowSession) Reset()                               {}
func (*slowSession) Logout() error                        { return nil }
func (*slowSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*slowSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *slowSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	select {
	case ss.s.gotData <- struct{}{}:
	default:
	}
	time.Sleep(ss.s.delay) // the relay's slowness, not a wait of the test's
	ss.s.mu.Lock()
	ss.s.n++
	ss.s.mu.Unlock()
	return nil
}

// TestServeSIGTERMWaitsForTheRelay (fault D6 end to end): serve is sent
// SIGTERM while the relay holds its reply to a confirmation. serve waits
// for the reply, records the entry as sent before it closes the store, and
// exits 0; the store says sent, so no restart sends it again.
func TestServeSIGTERMWaitsForTheRelay(t *testing.T) {
	sink := &slowSink{delay: 500 * time.Millisecond, gotData: make(chan struct{}, 1)}
	srv := smtp.NewServer(sink)
	srv.Domain = "relay.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[outbound]\ntransport = \"smtp\"\nrelay = %q\ntls = \"none\"\ntimeout = \"10s\"\n", ln.Addr().String())
	f.Close()
	if r := runBinary(t, []byte("From: maria@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: parar\r\nMessage-ID: <stop@c>\r\n\r\nbody\r\n"), "deliver", "-config", cfg); r.code != 0 {
		t.Fatalf("deliver: %d %s", r.code, r.stderr)
	}
	cmd := exec.Command(binary, "serve", "-config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var logMu sync.Mutex
	var log strings.Builder
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			logMu.Lock()
			log.WriteString(lines.Text() + "\n")
			logMu.Unlock()
		}
	}()
	select {
	case <-sink.gotData:
	case <-time.After(20 * time.Second):
		t.Fatal("the relay never got the confirmation")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	st, err := tickets.Open(filepath.Join(dir, "data", "ticketgw.db"), tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var sent, pending []tickets.OutboxEntry
	_ = st.View(context.Background(), func(v tickets.View) error {
		sent, _ = v.Outbox(tickets.OutboxSent)
		pending, _ = v.Outbox(tickets.OutboxPending)
		return nil
	})
	logMu.Lock()
	defer logMu.Unlock()
	if len(sent) != 1 || len(pending) != 0 {
		t.Fatalf("after SIGTERM: %d sent, pending %+v\n%s", len(sent), pending, log.String())
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.n != 1 {
		t.Fatalf("relay accepted %d", sink.n)
	}
}
