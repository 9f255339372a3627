package main

import (
	"fmt"
	"net/smtp"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/postfixrun"
	"github.com/ticketgw/ticketgw/tickets"
)

// TestPostfixRecipes runs the README's two Postfix recipes against a real,
// private Postfix: suporte@ and bugs@ go through the pipe transport to
// `ticketgw deliver` (flags=Rq null_sender=, one recipient per delivery),
// melhorias@ through LMTP to serve's listener. Mail enters by Postfix's
// SMTP port. A bounce is recorded as ignored, two recipients make one
// ticket, a bad configuration defers (never bounces), and with ticketgw
// stopped the pipe still delivers (deliver opens the store) while LMTP mail
// waits in Postfix's queue until serve is back and the queue is flushed.
// At the end the store holds every message once and the queue is empty.
func TestPostfixRecipes(t *testing.T) {
	base := t.TempDir()
	postfixrun.OpenDir(t, base)
	// The pipe runs deliver as a system user that owns data_dir; serve
	// runs as the same user, as the README says to set it up.
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	bin := filepath.Join(base, "ticketgw")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(base, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dataDir, uid, gid); err != nil {
		t.Fatal(err)
	}
	// The store a first serve makes; deliver does not start one.
	if err := os.Chown(createStore(t, dataDir), uid, gid); err != nil {
		t.Fatal(err)
	}
	lmtpAddr := freePort(t)
	cfgText := fmt.Sprintf(`data_dir = %q
ticket_prefix = "SUP"
first_ticket_number = 1000

[[address]]
email = "suporte@acme.com.br"
department = "Suporte"
type = "support"

[[address]]
email = "bugs@acme.com.br"
department = "Desenvolvimento"
type = "bug"

[[address]]
email = "melhorias@acme.com.br"
department = "Produto"
type = "improvement"

[smtp]
listen = %q
lmtp = true

[web]
listen = ""
`, dataDir, lmtpAddr)
	cfg := filepath.Join(base, "ticketgw.toml")
	writeConfig := func(text string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
		// root:nogroup 0640, as root:ticketgw in the README.
		if err := os.Chown(cfg, 0, gid); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig(cfgText)

	pf := postfixrun.Start(t, postfixrun.Options{
		Main: fmt.Sprintf(`relay_domains = acme.com.br
recipient_delimiter = +
relay_recipient_maps = inline:{ suporte@acme.com.br=ok, bugs@acme.com.br=ok, melhorias@acme.com.br=ok }
transport_maps = inline:{ suporte@acme.com.br=ticketgw:, bugs@acme.com.br=ticketgw:, melhorias@acme.com.br=lmtp:inet:%s }
ticketgw_destination_recipient_limit = 1
`, lmtpAddr),
		Master: fmt.Sprintf(`ticketgw  unix  -  n  n  -  -  pipe
  flags=Rq null_sender= user=%s argv=%s deliver -config %s -from ${sender} -rcpt ${recipient}
`, nobody.Username, bin, cfg),
	})

	serve := func() func() {
		cmd := exec.Command(bin, "serve", "-config", cfg)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		return startServeCmd(t, cmd)
	}
	send := func(from string, rcpts []string, id, headers, body string) {
		t.Helper()
		msg := fmt.Sprintf("Message-ID: <%s>\r\nDate: Thu, 3 Dec 2026 10:00:00 -0300\r\n%s\r\n%s", id, headers, body)
		if err := smtp.SendMail(pf.Addr, nil, from, rcpts, []byte(msg)); err != nil {
			t.Fatalf("send <%s> to Postfix: %v", id, err)
		}
	}
	const wait = 20 * time.Second
	sentWith := func(id string, n int, want ...string) []postfixrun.Delivery {
		t.Helper()
		ds := pf.WaitFor(id, wait, postfixrun.Count("sent", n))
		var sent []string
		for _, d := range ds {
			if d.Status == "sent" {
				sent = append(sent, d.Text)
			}
		}
		for _, w := range want {
			found := false
			for _, s := range sent {
				found = found || strings.Contains(s, w)
			}
			if !found {
				t.Errorf("<%s>: no delivery says %s: %q", id, w, sent)
			}
		}
		return ds
	}

	stop := serve()
	// The pipe while serve runs: the hand-off socket.
	send("maria@cliente.test", []string{"suporte@acme.com.br"}, "m1@cliente.test",
		"From: Maria <maria@cliente.test>\r\nTo: suporte@acme.com.br\r\nSubject: Impressora parada\r\n", "Nao imprime.\r\n")
	sentWith("m1@cliente.test", 1, `{"outcome":"created","ticket":"SUP-1000","reason":""}`)
	// A bounce: the null sender reaches deliver as "" (null_sender=).
	send("", []string{"suporte@acme.com.br"}, "dsn1@mx.cliente.test",
		"From: Mail Delivery System <MAILER-DAEMON@mx.cliente.test>\r\nTo: suporte@acme.com.br\r\nSubject: Undelivered Mail Returned to Sender\r\n",
		"This is the mail system at host mx.cliente.test.\r\n")
	sentWith("dsn1@mx.cliente.test", 1, `"outcome":"ignored"`)
	// Two recipients: one delivery each, one ticket.
	send("joao@cliente.test", []string{"suporte@acme.com.br", "bugs@acme.com.br"}, "m2@cliente.test",
		"From: joao@cliente.test\r\nTo: suporte@acme.com.br\r\nCc: bugs@acme.com.br\r\nSubject: Erro ao salvar\r\n", "Da erro 500.\r\n")
	sentWith("m2@cliente.test", 2, `{"outcome":"created","ticket":"SUP-1001","reason":""}`, `{"outcome":"duplicate","ticket":"SUP-1001","reason":""}`)
	// A reply to the plus-address threads by the envelope recipient.
	send("maria@cliente.test", []string{"suporte+SUP-1000@acme.com.br"}, "m3@cliente.test",
		"From: maria@cliente.test\r\nTo: suporte+SUP-1000@acme.com.br\r\nSubject: mais detalhes\r\n", "Modelo X200.\r\n")
	sentWith("m3@cliente.test", 1, `{"outcome":"appended","ticket":"SUP-1000","reason":""}`)
	// LMTP to serve's listener.
	send("lia@cliente.test", []string{"melhorias@acme.com.br"}, "m4@cliente.test",
		"From: lia@cliente.test\r\nTo: melhorias@acme.com.br\r\nSubject: Exportar CSV\r\n", "Seria util.\r\n")
	sentWith("m4@cliente.test", 1, "Ok: created ticket=SUP-1002")

	// A broken configuration defers the pipe's mail (4.3.5), and the mail
	// goes in once it is fixed.
	writeConfig(strings.Replace(cfgText, `type = "bug"`, `type = "bugs"`, 1))
	send("rui@cliente.test", []string{"bugs@acme.com.br"}, "m5@cliente.test",
		"From: rui@cliente.test\r\nTo: bugs@acme.com.br\r\nSubject: Tela branca\r\n", "Depois do login.\r\n")
	ds := pf.WaitFor("m5@cliente.test", wait, postfixrun.Count("deferred", 1))
	if d := ds[len(ds)-1]; d.DSN != "4.3.5" || !strings.Contains(d.Text, `address[1].type: "bugs" is not one of`) {
		t.Errorf("delivery with a bad config: %+v", d)
	}
	writeConfig(cfgText)
	pf.Flush()
	sentWith("m5@cliente.test", 1, `{"outcome":"created","ticket":"SUP-1003","reason":""}`)

	// ticketgw stopped: the pipe opens the store itself; LMTP defers.
	stop()
	send("lia@cliente.test", []string{"melhorias@acme.com.br"}, "m6@cliente.test",
		"From: lia@cliente.test\r\nTo: melhorias@acme.com.br\r\nSubject: Tema escuro\r\n", "Para a noite.\r\n")
	ds = pf.WaitFor("m6@cliente.test", wait, postfixrun.Count("deferred", 1))
	if d := ds[len(ds)-1]; !strings.HasPrefix(d.DSN, "4.") {
		t.Errorf("LMTP with serve stopped: %+v", d)
	}
	send("ana@cliente.test", []string{"bugs@acme.com.br"}, "m7@cliente.test",
		"From: ana@cliente.test\r\nTo: bugs@acme.com.br\r\nSubject: Relatorio lento\r\n", "Leva minutos.\r\n")
	sentWith("m7@cliente.test", 1, `{"outcome":"created","ticket":"SUP-1004","reason":""}`)
	if q := pf.Queue(); len(q) != 1 || q[0].Recipients[0].Address != "melhorias@acme.com.br" {
		t.Errorf("queue with serve stopped: %+v", q)
	}
	stop = serve()
	pf.Flush()
	sentWith("m6@cliente.test", 1, "Ok: created ticket=SUP-1005")
	stop()

	// Nothing lost, nothing doubled, nothing bounced.
	if q := pf.Queue(); len(q) != 0 {
		t.Errorf("left in Postfix's queue: %+v", q)
	}
	for _, d := range pf.Deliveries() {
		if d.Status != "sent" && d.Status != "deferred" {
			t.Errorf("a delivery %s: %+v", d.Status, d)
		}
	}
	var got []string
	for _, in := range storedInbound(t, dataDir) {
		got = append(got, fmt.Sprintf("%s %s %s %s", in.MessageID, in.Outcome, in.Ticket, in.Source))
	}
	want := []string{
		"<m1@cliente.test> created SUP-1000 deliver",
		"<dsn1@mx.cliente.test> ignored  deliver",
		"<m2@cliente.test> created SUP-1001 deliver",
		"<m2@cliente.test> duplicate SUP-1001 deliver",
		"<m3@cliente.test> appended SUP-1000 deliver",
		"<m4@cliente.test> created SUP-1002 lmtp",
		"<m5@cliente.test> created SUP-1003 deliver",
		"<m7@cliente.test> created SUP-1004 deliver",
		"<m6@cliente.test> created SUP-1005 lmtp",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("store:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st, err := tickets.Open(filepath.Join(dataDir, storeFile), tickets.Options{Prefix: "SUP"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checks := map[string]string{"SUP-1001": "support", "SUP-1003": "bug", "SUP-1002": "improvement"}
	for key, typ := range checks {
		var tk tickets.Ticket
		if err := st.View(t.Context(), func(v tickets.View) error {
			var err error
			tk, err = v.Ticket(key)
			return err
		}); err != nil || string(tk.Type) != typ {
			t.Errorf("%s: type %q, want %s (%v)", key, tk.Type, typ, err)
		}
	}
}
