package main

// End-to-end tests of `ticketgw serve`'s SMTP listener, run as a process:
// real mail from swaks, and a crash test in which the server is killed
// (SIGKILL) under load while clients retry like an MTA does.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/mailin"
)

// serveProc is one running `ticketgw serve`.
type serveProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // cmd.Wait's result, set before done is closed
	log  *logTail
}

// logTail keeps what a serve process wrote to stderr, for the failure
// messages; it is drained continuously so that serve never blocks on a
// full pipe.
type logTail struct {
	mu    sync.Mutex
	lines []string
}

func (l *logTail) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

// tail returns the last n lines.
func (l *logTail) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	from := max(0, len(l.lines)-n)
	return strings.Join(l.lines[from:], "\n")
}

// launchServe runs `serve -config cfg` and returns once it logged
// msg=serving, or an error (with its log) when it exited or stayed silent
// first.
func launchServe(cfg string) (*serveProc, error) {
	cmd := exec.Command(binary, "serve", "-config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serveProc{cmd: cmd, done: make(chan struct{}), log: &logTail{}}
	ready := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(stderr)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		said := false
		for lines.Scan() {
			p.log.add(lines.Text())
			if !said && strings.Contains(lines.Text(), "msg=serving") {
				said = true
				close(ready)
			}
		}
		p.err = cmd.Wait() // after the last read of the pipe, as Wait requires
		close(p.done)
	}()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("serve exited before serving (%v):\n%s", p.err, p.log.tail(20))
	case <-time.After(10 * time.Second):
		p.kill()
		return nil, fmt.Errorf("serve did not say msg=serving within 10s:\n%s", p.log.tail(20))
	}
}

// mustStartServe starts serve, retrying for a few seconds: a restart right
// after a kill may briefly fail to bind the port.
func mustStartServe(t *testing.T, cfg string) *serveProc {
	t.Helper()
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var p *serveProc
		if p, err = launchServe(cfg); err == nil {
			t.Cleanup(p.kill)
			return p
		}
	}
	t.Fatalf("start serve: %v", err)
	return nil
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits until it is gone (the kernel has then released its store lock).
func (p *serveProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// terminate asks serve to stop (SIGTERM) and returns its exit error.
func (p *serveProc) terminate(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(20 * time.Second):
		p.kill()
		return fmt.Errorf("serve did not stop within 20s of SIGTERM:\n%s", p.log.tail(20))
	}
}

// ticketJSON is `tickets show -json` as DESIGN.md specifies it.
type ticketJSON struct {
	Key        string `json:"key"`
	Subject    string `json:"subject"`
	Status     string `json:"status"`
	Type       string `json:"type"`
	Department string `json:"department"`
	Requester  string `json:"requester"`
	Messages   []struct {
		Direction   string `json:"direction"`
		From        string `json:"from"`
		MessageID   string `json:"message_id"`
		Text        string `json:"text"`
		Attachments []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"content_type"`
			Size        int64  `json:"size"`
		} `json:"attachments"`
		Rejected []struct {
			Filename string `json:"filename"`
			Reason   string `json:"reason"`
		} `json:"rejected_attachments"`
	} `json:"messages"`
}

func showTicket(t *testing.T, cfg, key string) ticketJSON {
	t.Helper()
	r := runBinary(t, nil, "tickets", "show", "-config", cfg, "-json", key)
	var d ticketJSON
	if err := json.Unmarshal([]byte(r.stdout), &d); r.code != 0 || err != nil {
		t.Fatalf("tickets show -json %s: exit %d, %v\n%s%s", key, r.code, err, r.stdout, r.stderr)
	}
	return d
}

// TestSwaksRealMail sends real mail with swaks to serve's SMTP listener: a
// 5 MiB PDF, an 8-bit pt-BR body and subject, and a UTF-8 address in From.
// swaks (20201014, Debian's) cannot ask for SMTPUTF8, so its envelope
// sender is ASCII; a second message, from go-smtp's client, carries the
// UTF-8 address in an SMTPUTF8 envelope.
func TestSwaksRealMail(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Fatalf("swaks is not installed (%v): run make deps / .ci/install-peers", err)
	}
	dir := t.TempDir()
	addr := freePort(t)
	cfg := corpusConfig(t, dir)
	withListener(t, cfg, addr, false)
	srv := mustStartServe(t, cfg)

	const (
		sentence  = "Não consigo emitir a nota fiscal; a impressão falhou às 10h"
		subject   = "Nota fiscal não sai — impressão"
		utf8Addr  = "joão.ninguém@exemplo.com.br"
		pdfName   = "nota-fiscal-março.pdf"
		pdfSize   = 5 << 20
		msgID     = "<swaks-nfe-0001@exemplo.com.br>"
		secondSub = "Segunda via do boleto não chegou"
	)
	pdf := make([]byte, pdfSize)
	copy(pdf, "%PDF-1.4\n")
	rng := rand.NewChaCha8([32]byte{'t', 'i', 'c', 'k', 'e', 't', 'g', 'w'})
	_, _ = rng.Read(pdf[9:])
	pdfPath := filepath.Join(dir, "anexo.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, swaks,
		"--server", addr,
		"--to", "suporte@acme.com.br",
		"--from", "joao.ninguem@exemplo.com.br",
		"--header", "From: João Ninguém <"+utf8Addr+">",
		"--header", "Subject: "+subject,
		"--header", "Message-Id: "+msgID,
		"--body", sentence,
		"--attach-type", "application/pdf",
		"--attach-name", pdfName,
		"--attach", "@"+pdfPath,
		"--suppress-data", // the transcript, not 7 MB of base64
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s\nserve:\n%s", err, out, srv.log.tail(20))
	}
	if !bytes.Contains(out, []byte("<-  250 2.0.0 Ok: created ticket=SUP-1000\n")) {
		t.Fatalf("swaks got no 250 with created ticket=SUP-1000:\n%s", out)
	}

	// The same sender through an SMTPUTF8 envelope, which swaks can't send.
	raw := "From: João Ninguém <" + utf8Addr + ">\r\nTo: suporte@acme.com.br\r\nSubject: " + secondSub +
		"\r\nMessage-ID: <smtputf8-0002@exemplo.com.br>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\nO boleto de março não chegou.\r\n"
	reply, err := sendOne(ctx, addr, utf8Addr, raw, &smtp.MailOptions{UTF8: true, Body: smtp.Body8BitMIME})
	if err != nil || !strings.Contains(reply, "Ok: created ticket=SUP-1001") {
		t.Fatalf("SMTPUTF8 envelope: %q, %v\nserve:\n%s", reply, err, srv.log.tail(20))
	}

	if err := srv.terminate(t); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, srv.log.tail(20))
	}

	d := showTicket(t, cfg, "SUP-1000")
	if d.Requester != utf8Addr || d.Subject != subject || d.Type != "support" || d.Department != "Suporte" || d.Status != "open" {
		t.Errorf("SUP-1000: requester %q, subject %q, type %q, department %q, status %q", d.Requester, d.Subject, d.Type, d.Department, d.Status)
	}
	if len(d.Messages) != 1 {
		t.Fatalf("SUP-1000 has %d messages, want 1: %+v", len(d.Messages), d.Messages)
	}
	m := d.Messages[0]
	if m.Direction != "in" || m.From != utf8Addr || !strings.Contains(m.Text, sentence) {
		t.Errorf("SUP-1000 message: direction %q, from %q, text %q", m.Direction, m.From, m.Text)
	}
	if len(m.Rejected) != 0 {
		t.Errorf("SUP-1000 refused attachments: %+v", m.Rejected)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("SUP-1000 has %d attachments, want 1: %+v", len(m.Attachments), m.Attachments)
	}
	if a := m.Attachments[0]; a.Filename != pdfName || a.ContentType != "application/pdf" || a.Size != pdfSize {
		t.Errorf("attachment %+v, want %s application/pdf %d bytes", a, pdfName, pdfSize)
	}

	d = showTicket(t, cfg, "SUP-1001")
	if d.Requester != utf8Addr || d.Subject != secondSub || len(d.Messages) != 1 || !strings.Contains(d.Messages[0].Text, "O boleto de março não chegou.") {
		t.Errorf("SUP-1001 (SMTPUTF8): %+v", d)
	}
}

// sendOne delivers raw in one SMTP session and returns the text of the 250.
func sendOne(ctx context.Context, addr, from, raw string, opts *smtp.MailOptions) (string, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	reply, err := transaction(c, from, raw, opts)
	if err != nil {
		return "", err
	}
	return reply, c.Quit()
}

// transaction runs MAIL, RCPT and DATA on c, to the support address.
func transaction(c *smtp.Client, from, raw string, opts *smtp.MailOptions) (string, error) {
	if err := c.Mail(from, opts); err != nil {
		return "", err
	}
	if err := c.Rcpt("suporte@acme.com.br", nil); err != nil {
		return "", err
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := strings.NewReader(raw).WriteTo(w); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return resp.StatusText, nil
}

// TestSMTPCrashSafety delivers N distinct messages through serve's SMTP
// listener from several clients that, like an MTA, retry whatever got no
// 250, while serve is killed with SIGKILL and restarted several times.
// Commit-then-acknowledge and the dedupe index must turn that into exactly
// N tickets: none lost, none doubled. A message whose 250 died with the
// server is resent and must be answered "duplicate" with its ticket; a few
// messages are also resent on purpose after their 250, to check that
// across connections every time.
func TestSMTPCrashSafety(t *testing.T) {
	const (
		n        = 300
		clients  = 4
		kills    = 4
		pace     = 25 * time.Millisecond // between one client's messages: kills land mid-stream
		attempt  = 5 * time.Second       // one SMTP session's deadline
		deadline = 60 * time.Second      // all deliveries
	)
	dir := t.TempDir()
	addr := freePort(t)
	cfg := corpusConfig(t, dir)
	withListener(t, cfg, addr, false)
	srv := mustStartServe(t, cfg)

	subject := func(i int) string { return fmt.Sprintf("Pedido %03d: falha ao emitir nota", i) }
	start := time.Now()
	// message i, the same bytes at every attempt, as an MTA's queue has it.
	message := func(i int) string {
		return fmt.Sprintf("From: Cliente %d <cliente%d@exemplo.com.br>\r\nTo: suporte@acme.com.br\r\nSubject: %s\r\n"+
			"Message-ID: <crash-%03d.%d@exemplo.com.br>\r\nDate: %s\r\nMIME-Version: 1.0\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"+
			"Mensagem %d: a emissão falhou.\r\n", i%10, i%10, subject(i), i, os.Getpid(), start.Add(time.Duration(i)*time.Second).Format(time.RFC1123Z), i)
	}
	resendOnPurpose := func(i int) bool { return i%60 == 59 } // 5 of 300

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()

	var (
		mu        sync.Mutex
		ticketOf  = map[int]string{} // message → ticket its 250 named
		problems  []string
		retried   int // messages that needed more than one attempt
		attempts  int // failed attempts, all messages
		dups      int // "duplicate" answers to a resend after a lost 250
		purposely int // "duplicate" answers to a resend on purpose
		delivered atomic.Int64
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}

	work := make(chan int, n)
	for i := range n {
		work <- i
	}
	close(work)

	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var (
				c    *smtp.Client
				conn net.Conn
			)
			defer func() {
				if c != nil {
					_ = c.Quit()
					c.Close()
				}
			}()
			// deliver sends message i until it gets a 250 and returns the
			// reply and how many attempts failed.
			deliver := func(i int) (mailin.Result, int, error) {
				for failed := 0; ; failed++ {
					if ctx.Err() != nil {
						return mailin.Result{}, failed, fmt.Errorf("no 250 before the deadline")
					}
					if c == nil {
						var err error
						conn, err = (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", addr)
						if err == nil {
							_ = conn.SetDeadline(time.Now().Add(attempt))
							c = smtp.NewClient(conn)
							if err = c.Hello("mta.exemplo.com.br"); err != nil {
								c.Close()
								c = nil
							}
						}
						if c == nil {
							time.Sleep(time.Duration(20+rand.IntN(30)) * time.Millisecond)
							continue
						}
					}
					_ = conn.SetDeadline(time.Now().Add(attempt))
					reply, err := transaction(c, fmt.Sprintf("cliente%d@exemplo.com.br", i%10), message(i), nil)
					if err == nil {
						res, perr := mailin.ParseReply(reply)
						return res, failed, perr
					}
					var se *smtp.SMTPError
					if errors.As(err, &se) && se.Code >= 500 {
						// An MTA would bounce it: the message would be lost.
						return mailin.Result{}, failed, fmt.Errorf("permanent refusal: %v", err)
					}
					// Refused, reset, timed out or 4xx: like an MTA, try
					// again shortly on a new connection.
					c.Close()
					c = nil
					time.Sleep(time.Duration(20+rand.IntN(30)) * time.Millisecond)
				}
			}
			for i := range work {
				res, failed, err := deliver(i)
				if err != nil {
					fail("message %d: %v", i, err)
					continue
				}
				want := "created"
				if failed > 0 && res.Outcome == "duplicate" {
					want = "duplicate" // its 250 died with the server
				}
				if string(res.Outcome) != want || res.Ticket == "" {
					fail("message %d (%d failed attempts): %+v, want %s with a ticket", i, failed, res, want)
				}
				mu.Lock()
				ticketOf[i] = res.Ticket
				attempts += failed
				if failed > 0 {
					retried++
				}
				if res.Outcome == "duplicate" {
					dups++
				}
				mu.Unlock()
				if resendOnPurpose(i) {
					// As if this 250 had been lost too: the resend must be
					// a duplicate of the same ticket.
					again, failedAgain, err := deliver(i)
					if err != nil || again.Outcome != "duplicate" || again.Ticket != res.Ticket {
						fail("message %d resent after its 250 (%d failed attempts): %+v, %v; want duplicate ticket=%s", i, failedAgain, again, err, res.Ticket)
					}
					mu.Lock()
					purposely++
					attempts += failedAgain
					mu.Unlock()
				}
				delivered.Add(1)
				time.Sleep(pace)
			}
		})
	}
	allDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(allDone)
	}()

	// Kill serve at random-ish moments and restart it, as a supervisor would.
	var outstanding []int64
	for range kills {
		select {
		case <-allDone:
		case <-time.After(time.Duration(150+rand.IntN(251)) * time.Millisecond):
		}
		left := n - delivered.Load()
		if left == 0 {
			break
		}
		outstanding = append(outstanding, left)
		srv.kill()
		srv = mustStartServe(t, cfg)
	}
	select {
	case <-allDone:
	case <-time.After(deadline + 2*attempt):
		t.Fatalf("the clients did not finish (%d of %d delivered)\nserve:\n%s", delivered.Load(), n, srv.log.tail(20))
	}
	if err := srv.terminate(t); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, srv.log.tail(20))
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d messages, %d clients, %d kills (messages still to deliver at each: %v); %d messages retried (%d failed attempts), "+
		"%d duplicate answers to resends after a lost 250, %d to resends on purpose", n, clients, len(outstanding), outstanding,
		retried, attempts, dups, purposely)
	if len(outstanding) != kills {
		t.Errorf("only %d of %d kills happened while messages were under way: the test did not test", len(outstanding), kills)
	}

	r := runBinary(t, nil, "tickets", "list", "-config", cfg, "-json")
	var list []struct {
		Key     string `json:"key"`
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); r.code != 0 || err != nil {
		t.Fatalf("tickets list -json: exit %d, %v\n%s", r.code, err, r.stderr)
	}
	if len(list) != n {
		t.Errorf("%d tickets, want %d", len(list), n)
	}
	bySubject := map[string][]string{}
	for _, tk := range list {
		bySubject[tk.Subject] = append(bySubject[tk.Subject], tk.Key)
	}
	for i := range n {
		keys := bySubject[subject(i)]
		switch {
		case len(keys) != 1:
			t.Errorf("message %d: %d tickets %v, want exactly one", i, len(keys), keys)
		case ticketOf[i] != "" && keys[0] != ticketOf[i]:
			t.Errorf("message %d: ticket %s, but its 250 said %s", i, keys[0], ticketOf[i])
		}
		delete(bySubject, subject(i))
	}
	for s, keys := range bySubject {
		t.Errorf("tickets %v with a subject no message had: %q", keys, s)
	}
}
