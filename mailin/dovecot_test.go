package mailin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/dovecotrun"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// These tests talk to a real Dovecot (installed by `make deps`).

func dovecotOptions(d *dovecotrun.Server, after string) mailin.MailboxOptions {
	o := pollerOptions(d.Addr, after)
	o.Username, o.Password = d.User, d.Password
	return o
}

func TestDovecotBacklog(t *testing.T) {
	d := dovecotrun.Start(t)
	for i := range 200 {
		d.Deliver(t, imapMail(i))
	}
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, dovecotOptions(d, "seen"))
	defer stop()
	eventually(t, "200 tickets", func() bool { return countTickets(t, st) == 200 })
	eventually(t, "200 messages marked seen", func() bool {
		total, seen := d.Flags(t)
		return total == 200 && seen == 200
	})
	// The state is saved after each message's flag: wait for it too.
	eventually(t, "the mailbox state at UID 200", func() bool { return mailboxState(t, st).LastUID == 200 })
	if n := inboundCount(t, st, ""); n != 200 {
		t.Fatalf("%d inbound records, want 200", n)
	}
}

// TestDovecotIdle: with a ten-minute poll interval, a message delivered
// while the poller idles is ingested: IDLE, not polling, brought it.
func TestDovecotIdle(t *testing.T) {
	d := dovecotrun.Start(t)
	d.Deliver(t, imapMail(1))
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, dovecotOptions(d, "seen"))
	defer stop()
	eventually(t, "the first message", func() bool { return countTickets(t, st) == 1 })
	time.Sleep(100 * time.Millisecond) // the poller is in IDLE by now
	start := time.Now()
	d.Deliver(t, imapMail(2))
	eventually(t, "the message delivered while idling", func() bool { return countTickets(t, st) == 2 })
	t.Logf("ingested %v after delivery", time.Since(start))
}

// TestDovecotRestart: Dovecot goes away mid-run and mail keeps arriving in
// its Maildir; when it is back, the poller resumes: nothing lost, nothing
// doubled.
func TestDovecotRestart(t *testing.T) {
	d := dovecotrun.Start(t)
	for i := range 20 {
		d.Deliver(t, imapMail(i))
	}
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, dovecotOptions(d, "seen"))
	defer stop()
	eventually(t, "the first 20", func() bool { return countTickets(t, st) == 20 })
	d.Stop()
	for i := 20; i < 40; i++ {
		d.Deliver(t, imapMail(i))
	}
	d.Restart()
	eventually(t, "all 40", func() bool { return countTickets(t, st) == 40 })
	eventually(t, "all seen", func() bool {
		total, seen := d.Flags(t)
		return total == 40 && seen == 40
	})
	if n := inboundCount(t, st, ""); n != 40 {
		t.Fatalf("%d inbound records for 40 messages", n)
	}
}

func TestDovecotMove(t *testing.T) {
	d := dovecotrun.Start(t)
	for i := range 10 {
		d.Deliver(t, imapMail(i))
	}
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, dovecotOptions(d, "move:Processados"))
	defer stop()
	eventually(t, "10 tickets moved to Processados", func() bool {
		total, _ := d.Flags(t)
		return countTickets(t, st) == 10 && total == 0 && d.Folder(t, "Processados") == 10
	})
	if n := inboundCount(t, st, tickets.Created); n != 10 {
		t.Fatalf("%d created", n)
	}
}

// TestDovecotHungBetweenResponses is fault tests D2 as it was measured:
// Dovecot behind a proxy that lets the new mail's EXISTS through and then
// forwards nothing, keeping both sockets open. The poller notices within
// its command bound, records the error, and once the server answers again
// takes the mail.
func TestDovecotHungBetweenResponses(t *testing.T) {
	d := dovecotrun.Start(t)
	d.Deliver(t, imapMail(0))
	p := startProxy(t, d.Addr)
	m := &memIMAP{addr: p.addr, proxy: p}
	g, st := newIngester(t, corpusOptions())
	opts := dovecotOptions(d, "seen")
	opts.Server = p.addr
	opts.CommandTimeout = 500 * time.Millisecond
	stop := runPoller(t, g, st, opts)
	defer stop()
	eventually(t, "mail 0", func() bool { return countTickets(t, st) == 1 })
	m.waitIdle(t)
	p.freeze("EXISTS")
	d.Deliver(t, imapMail(1))
	eventually(t, "the error recorded while Dovecot is hung", func() bool {
		return strings.Contains(mailboxState(t, st).LastError, "server stopped answering")
	})
	if n := countTickets(t, st); n != 1 {
		t.Fatalf("%d tickets while hung", n)
	}
	p.thaw()
	eventually(t, "mail 1 once Dovecot answers", func() bool { return countTickets(t, st) == 2 })
	eventually(t, "the error cleared", func() bool { return mailboxState(t, st).LastError == "" })
}
