package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/dovecotrun"
)

// withIMAP appends an [[imap]] mailbox on Dovecot to a corpusConfig file.
func withIMAP(t *testing.T, cfg string, d *dovecotrun.Server) {
	t.Helper()
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, `
[[imap]]
name = "suporte"
server = %q
tls = "none"
username = %q
auth = "password"
password = %q
mailbox = "INBOX"
after = "seen"
poll_interval = "10m"
idle = true
`, d.Addr, d.User, d.Password)
}

// TestIMAPCrashSafety: serve is killed with SIGKILL several times while it
// drains a Dovecot backlog, and restarted; in the end every message is
// exactly one ticket.
func TestIMAPCrashSafety(t *testing.T) {
	d := dovecotrun.Start(t)
	const n = 400
	for i := range n {
		d.Deliver(t, []byte(fmt.Sprintf("From: c%d@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: Crash %d\r\nMessage-ID: <crash%d@cliente.com.br>\r\n\r\nTexto %d.\r\n", i, i, i, i)))
	}
	cfg := corpusConfig(t, t.TempDir())
	withIMAP(t, cfg, d)
	kills := 0
	for i, wait := range []time.Duration{80, 120, 100, 150} {
		p := mustStartServe(t, cfg)
		time.Sleep(wait * time.Millisecond)
		if _, seen := d.Flags(t); seen == n {
			t.Logf("backlog drained before kill %d", i+1)
			p.kill()
			break
		}
		p.kill()
		kills++
	}
	if kills == 0 {
		t.Fatal("the backlog drained before any kill: the test tested nothing")
	}
	p := mustStartServe(t, cfg)
	deadline := time.Now().Add(60 * time.Second)
	for {
		total, seen := d.Flags(t)
		if total == n && seen == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d seen after the restarts:\n%s", seen, total, p.log.tail(20))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.terminate(t); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	r := runBinary(t, nil, "tickets", "list", "-config", cfg, "-json")
	var list []struct{ Subject string }
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("tickets list: %v %s", err, r.stderr)
	}
	subjects := map[string]int{}
	for _, tk := range list {
		subjects[tk.Subject]++
	}
	var doubled []string
	for s, c := range subjects {
		if c > 1 {
			doubled = append(doubled, s)
		}
	}
	if len(list) != n || len(subjects) != n || len(doubled) > 0 {
		t.Fatalf("%d tickets, %d distinct subjects, doubled: %s", len(list), len(subjects), strings.Join(doubled, ", "))
	}
	t.Logf("%d kills while draining %d messages: %d tickets, none doubled", kills, n, len(list))
}
