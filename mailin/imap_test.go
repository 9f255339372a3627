package mailin_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// memIMAP is go-imap's in-memory server on loopback, behind a proxy the
// test can cut to drop every connection.
type memIMAP struct {
	user  *imapmemserver.User
	addr  string // the proxy's
	proxy *proxy
}

const imapUser, imapPass = "suporte@acme.com.br", "segredo"

func startMemIMAP(t testing.TB) *memIMAP {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(imapUser, imapPass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapUIDPlus: {}, imap.CapMove: {}},
		InsecureAuth: true,
		Logger:       nopLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	p := startProxy(t, ln.Addr().String())
	t.Cleanup(func() { srv.Close() })
	return &memIMAP{user: u, addr: p.addr, proxy: p}
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Len()) }

func (m *memIMAP) append(t testing.TB, mailbox string, raw []byte) {
	t.Helper()
	if _, err := m.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// flags returns the UIDs and flags of a mailbox, as a client sees them.
func (m *memIMAP) flags(t testing.TB, mailbox string) map[imap.UID][]imap.Flag {
	t.Helper()
	c, err := imapclient.DialInsecure(m.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imapUser, imapPass).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := map[imap.UID][]imap.Flag{}
	if sel.NumMessages == 0 {
		return out
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range msgs {
		out[msg.UID] = msg.Flags
	}
	return out
}

// proxy forwards TCP connections and can cut them all. It also watches the
// IMAP dialogue to tell when a client is idling: go-imap's in-memory server
// reports a message that arrived between a client's last command and its
// IDLE only with the next change (Dovecot reports it at once), so tests that
// mean to deliver "while IDLE-ing" wait for that state first.
type proxy struct {
	addr   string
	mu     sync.Mutex
	conns  []net.Conn
	idling atomic.Bool
	// hold, when not nil, is the proxy frozen as a hung server is: each
	// server→client copy forwards chunks until one holding hold.after
	// went through (at once when it is ""), then nothing until
	// hold.thawed is closed, keeping both sockets open.
	hold *freezeState
}

type freezeState struct {
	after  string
	thawed chan struct{}
}

// watch copies one direction, noting IDLE's start and end; the
// server→client direction (fromServer) obeys a freeze.
func (p *proxy) watch(dst io.Writer, src io.Reader, marker string, idling, fromServer bool) {
	buf := make([]byte, 32<<10)
	var seen *freezeState // the freeze this copy watches for
	var marked bool       // its marker went through
	for {
		n, err := src.Read(buf)
		if n > 0 && fromServer {
			p.mu.Lock()
			h := p.hold
			p.mu.Unlock()
			if h != nil && h != seen {
				seen, marked = h, h.after == ""
			}
			if h != nil && marked {
				<-h.thawed
			}
			if h != nil && bytes.Contains(buf[:n], []byte(h.after)) {
				marked = true
			}
		}
		if n > 0 {
			if bytes.Contains(buf[:n], []byte(marker)) {
				p.idling.Store(idling)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze makes the proxy a server that stopped answering: the server's
// bytes go through up to a chunk holding after (say, "EXISTS"), then
// nothing, on every connection, old and new, until thaw.
func (p *proxy) freeze(after string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold == nil {
		p.hold = &freezeState{after: after, thawed: make(chan struct{})}
	}
}

// thaw lets the server's bytes through again.
func (p *proxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hold != nil {
		close(p.hold.thawed)
		p.hold = nil
	}
}

// waitIdle waits until a client idles, and a little more for the server to
// start watching the mailbox.
func (m *memIMAP) waitIdle(t testing.TB) {
	t.Helper()
	eventually(t, "the poller to IDLE", m.proxy.idling.Load)
	time.Sleep(50 * time.Millisecond)
}

func startProxy(t testing.TB, backend string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close(); p.thaw(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { p.watch(b, c, "DONE\r\n", false, false); b.Close() }()
			go func() { p.watch(c, b, "+ idling", true, true); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func pollerOptions(addr, after string) mailin.MailboxOptions {
	return mailin.MailboxOptions{
		Name: "suporte", Server: addr, TLS: "none", Username: imapUser, Password: imapPass,
		Mailbox: "INBOX", After: after, PollInterval: 10 * time.Minute, IDLE: true,
		RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
	}
}

// runPoller starts a poller and returns a function that stops it.
func runPoller(t testing.TB, g *mailin.Ingester, st tickets.Store, opts mailin.MailboxOptions) func() {
	t.Helper()
	p, err := mailin.NewPoller(g, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			// A hung poller (fault tests D2) fails the test instead of
			// hanging it.
			t.Error("the poller did not stop within 10s of its context's end")
		}
	}
}

func countTickets(t testing.TB, st tickets.Store) int {
	var n int
	_ = st.View(context.Background(), func(v tickets.View) error {
		list, err := v.Tickets(tickets.Filter{})
		n = len(list)
		return err
	})
	return n
}

func inboundCount(t testing.TB, st tickets.Store, outcome tickets.Outcome) int {
	var n int
	_ = st.View(context.Background(), func(v tickets.View) error {
		list, err := v.InboundList(outcome)
		n = len(list)
		return err
	})
	return n
}

// eventually waits for cond, failing the test after a generous bound: the
// waits are for work to happen, not timings to assert.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func imapMail(i int) []byte {
	return mail([]string{"From: c@cliente.com.br", "To: suporte@acme.com.br", fmt.Sprintf("Subject: Pedido %d", i), fmt.Sprintf("Message-ID: <imap%d@cliente.com.br>", i)}, "texto\n")
}

func mailboxState(t testing.TB, st tickets.Store) tickets.MailboxState {
	var ms tickets.MailboxState
	_ = st.View(context.Background(), func(v tickets.View) error {
		var err error
		ms, err = v.Mailbox("suporte")
		return err
	})
	return ms
}

func TestPollerBacklogAndIdle(t *testing.T) {
	srv := startMemIMAP(t)
	// Mail read by a person before the gateway ever ran stays alone.
	srv.append(t, "INBOX", imapMail(0))
	srv.user.Append("INBOX", literal{bytes.NewReader(imapMail(-1))}, &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}})
	for i := 1; i <= 30; i++ {
		srv.append(t, "INBOX", imapMail(i))
	}
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, pollerOptions(srv.addr, "seen"))
	defer stop()
	eventually(t, "the backlog", func() bool { return countTickets(t, st) == 31 })
	eventually(t, "flags", func() bool {
		for _, f := range srv.flags(t, "INBOX") {
			if !hasFlag(f, imap.FlagSeen) {
				return false
			}
		}
		return true
	})
	// IDLE: the poll interval is ten minutes, so only IDLE can bring this.
	srv.waitIdle(t)
	srv.append(t, "INBOX", imapMail(31))
	eventually(t, "the message appended while idle", func() bool { return countTickets(t, st) == 32 })
	// The state is saved after the message's flag, and LastSuccess once a
	// poll finds nothing left: wait for them rather than race them.
	eventually(t, "the mailbox state at UID 33", func() bool {
		ms := mailboxState(t, st)
		return ms.LastUID == 33 && ms.UIDValidity != 0 && !ms.LastSuccess.IsZero()
	})
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func TestPollerAfterModes(t *testing.T) {
	for _, after := range []string{"move:Processados", "delete"} {
		t.Run(after, func(t *testing.T) {
			srv := startMemIMAP(t)
			for i := range 5 {
				srv.append(t, "INBOX", imapMail(i))
			}
			g, st := newIngester(t, corpusOptions())
			stop := runPoller(t, g, st, pollerOptions(srv.addr, after))
			defer stop()
			eventually(t, "the backlog", func() bool { return countTickets(t, st) == 5 })
			eventually(t, "an empty INBOX", func() bool { return len(srv.flags(t, "INBOX")) == 0 })
			if after != "delete" {
				if n := len(srv.flags(t, "Processados")); n != 5 {
					t.Fatalf("%d messages moved", n)
				}
			}
			srv.waitIdle(t)
			srv.append(t, "INBOX", imapMail(9))
			eventually(t, "a new message", func() bool { return countTickets(t, st) == 6 && len(srv.flags(t, "INBOX")) == 0 })
		})
	}
}

// TestPollerUIDValidityChange: the mailbox is recreated (new UIDVALIDITY)
// with the same messages unseen again: they are duplicates, the new one a
// ticket, nothing doubled.
func TestPollerUIDValidityChange(t *testing.T) {
	srv := startMemIMAP(t)
	for i := range 3 {
		srv.append(t, "INBOX", imapMail(i))
	}
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, pollerOptions(srv.addr, "seen"))
	eventually(t, "the first three", func() bool { return countTickets(t, st) == 3 && mailboxState(t, st).LastUID == 3 })
	stop()
	before := mailboxState(t, st).UIDValidity
	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		srv.append(t, "INBOX", imapMail(i))
	}
	stop = runPoller(t, g, st, pollerOptions(srv.addr, "seen"))
	defer stop()
	// The mailbox state is saved after each message's commit and flag, so
	// it is waited for too, not read at the moment the tickets are there.
	eventually(t, "the recreated mailbox", func() bool {
		return inboundCount(t, st, tickets.Duplicate) == 3 && countTickets(t, st) == 4 && mailboxState(t, st).LastUID == 4
	})
	if ms := mailboxState(t, st); ms.UIDValidity == before || ms.LastUID != 4 {
		t.Fatalf("state after UIDVALIDITY change: %+v (was %d)", ms, before)
	}
}

// TestPollerReconnects: every connection is cut while the poller idles;
// it reconnects and takes the next message.
func TestPollerReconnects(t *testing.T) {
	srv := startMemIMAP(t)
	srv.append(t, "INBOX", imapMail(1))
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, pollerOptions(srv.addr, "seen"))
	defer stop()
	eventually(t, "the first message", func() bool { return countTickets(t, st) == 1 })
	srv.waitIdle(t)
	srv.proxy.cut()
	srv.append(t, "INBOX", imapMail(2))
	eventually(t, "the message after the drop", func() bool { return countTickets(t, st) == 2 })
	if n := inboundCount(t, st, ""); n != 2 {
		t.Fatalf("%d inbound records, want 2 (nothing doubled)", n)
	}
}

// TestPollerStoreDown: a message that cannot be committed stays unseen on
// the server, to be fetched again.
func TestPollerStoreDown(t *testing.T) {
	srv := startMemIMAP(t)
	srv.append(t, "INBOX", imapMail(1))
	g, st := newIngester(t, corpusOptions())
	st.Close()
	stop := runPoller(t, g, st, pollerOptions(srv.addr, "seen"))
	time.Sleep(300 * time.Millisecond) // several attempts
	stop()
	for uid, f := range srv.flags(t, "INBOX") {
		if hasFlag(f, imap.FlagSeen) {
			t.Fatalf("UID %d marked seen although it was never committed", uid)
		}
	}
}
