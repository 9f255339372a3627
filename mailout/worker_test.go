package mailout_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/internal/corpus"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/mailout"
	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

const corpusDir = "../testdata/mail"

// clock is a settable time for the worker and the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one gateway: a store, the ingester that fills its outbox and the
// worker that drains it.
type env struct {
	t     *testing.T
	path  string
	clock *clock
	store *tickets.BoltStore
	in    *mailin.Ingester
	opts  mailout.Options
}

func newEnv(t *testing.T, tr mailout.Transport) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "ticketgw.db"), clock: &clock{now: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}}
	tpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	e.opts = mailout.Options{
		Transport:          tr,
		Templates:          tpl,
		Language:           "pt-BR",
		BaseURL:            "https://suporte.acme.com.br/",
		Senders:            []mailout.Sender{{Email: "suporte@acme.com.br", Name: "Suporte Acme"}},
		AllowedAttachments: []string{"pdf", "png", "zip", "txt"},
		MaxAttachmentBytes: 8 << 20,
		Now:                e.clock.Now,
	}
	e.open()
	t.Cleanup(func() { e.store.Close() })
	return e
}

func (e *env) open() {
	st, err := tickets.Open(e.path, tickets.Options{Prefix: "SUP", FirstNumber: 1000, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = st
	e.in, err = mailin.New(st, mailin.Options{
		Addresses: []mailin.Address{
			{Email: "suporte@acme.com.br", Name: "Suporte Acme", Department: "Suporte", Type: tickets.TypeSupport},
			{Email: "bugs@acme.com.br", Department: "Suporte", Type: tickets.TypeBug},
			{Email: "melhorias@acme.com.br", Department: "Produto", Type: tickets.TypeImprovement},
			{Email: "financeiro@acme.com.br", Department: "Financeiro", Type: tickets.TypeSupport},
		},
		TicketPrefix: "SUP",
		Attachments:  tickets.AttachmentPolicy{MaxBytes: 8 << 20, Allowed: []string{"pdf", "png", "zip", "txt"}},
		Now:          e.clock.Now,
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) worker() *mailout.Worker {
	w, err := mailout.NewWorker(e.store, e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

func (e *env) ingest(raw []byte) mailin.Result {
	e.t.Helper()
	res, err := e.in.Ingest(context.Background(), raw, mailin.Envelope{Source: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) outbox(state string) []tickets.OutboxEntry {
	var out []tickets.OutboxEntry
	if err := e.store.View(context.Background(), func(v tickets.View) error {
		var err error
		out, err = v.Outbox(state)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func newTicketMail(from, id, subject string) []byte {
	return []byte(fmt.Sprintf("From: Maria Souza <%s>\r\nTo: Suporte Acme <suporte@acme.com.br>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Tue, 24 Nov 2026 09:00:00 -0300\r\n\r\nO sistema não abre desde ontem.\r\n", from, subject, id))
}

func drain(t *testing.T, w *mailout.Worker) time.Time {
	t.Helper()
	next, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func parseMail(t *testing.T, data []byte) (*mail.Reader, map[string]string) {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("sent mail does not parse: %v", err)
	}
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var ct string
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ = h.ContentType()
		case *mail.AttachmentHeader:
			ct, _, _ = h.ContentType()
		}
		b, _ := io.ReadAll(p.Body)
		parts[ct] = string(b)
	}
	return mr, parts
}

// TestConfirmationHeaders sends the confirmation of a new ticket through a
// real SMTP relay and checks every header the contract names, parsed back
// with go-message.
func TestConfirmationHeaders(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	res := e.ingest(newTicketMail("maria@cliente.com.br", "c1@cliente.com.br", "Sistema não abre"))
	entry := e.outbox(tickets.OutboxPending)[0]
	drain(t, e.worker())
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("relay got %d messages", len(got))
	}
	if got[0].from != "suporte@acme.com.br" || strings.Join(got[0].to, ",") != "maria@cliente.com.br" {
		t.Errorf("envelope %s → %v", got[0].from, got[0].to)
	}
	mr, parts := parseMail(t, got[0].data)
	h := mr.Header
	from, _ := h.AddressList("From")
	replyTo, _ := h.AddressList("Reply-To")
	subject, _ := h.Subject()
	mid, _ := h.MessageID()
	irt, _ := h.MsgIDList("In-Reply-To")
	refs, _ := h.MsgIDList("References")
	date, _ := h.Date()
	checks := []struct {
		name string
		ok   bool
	}{
		{"From", len(from) == 1 && from[0].Address == "suporte@acme.com.br" && from[0].Name == "Suporte Acme"},
		{"Reply-To", len(replyTo) == 1 && replyTo[0].Address == "suporte@acme.com.br"},
		{"Subject", subject == "["+res.Ticket+"] Sistema não abre"},
		{"Message-ID", "<"+mid+">" == entry.MessageID && strings.HasSuffix(mid, "@acme.com.br")},
		{"In-Reply-To", len(irt) == 1 && irt[0] == "c1@cliente.com.br"},
		{"References", len(refs) == 1 && refs[0] == "c1@cliente.com.br"},
		{"Date", date.Equal(e.clock.Now())},
		{"MIME-Version", h.Get("Mime-Version") == "1.0"},
		{"Auto-Submitted", h.Get("Auto-Submitted") == "auto-replied"},
		{"X-Auto-Response-Suppress", h.Get("X-Auto-Response-Suppress") == "All"},
		{"multipart/alternative", strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("header %s wrong:\n%s", c.name, got[0].data[:min(len(got[0].data), 1500)])
		}
	}
	keys := tickets.LinkKeys{Current: storeSecret(t, e.store)}
	expires := e.clock.Now().Add(tickets.DefaultLinkLifetime)
	link := "https://suporte.acme.com.br/t/" + res.Ticket + "?k=" + tickets.TicketLink(keys, res.Ticket, 0, expires)
	list := "https://suporte.acme.com.br/me?k=" + tickets.ListLink(keys, "maria@cliente.com.br", 0, expires)
	for _, ct := range []string{"text/plain", "text/html"} {
		body := parts[ct]
		for _, want := range []string{res.Ticket, link, "O sistema não abre desde ontem."} {
			if ct == "text/html" {
				want = strings.ReplaceAll(want, "&", "&amp;")
			}
			if !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, "&amp;", "&")) {
				t.Errorf("%s part lacks %q", ct, want)
			}
		}
		if !strings.Contains(body, strings.ReplaceAll(list, "&", "&amp;")) && !strings.Contains(body, list) {
			t.Errorf("%s part lacks the list link %q", ct, list)
		}
	}
	if st := e.outbox("")[0]; st.State != tickets.OutboxSent || st.Attempts != 1 || st.SentAt.IsZero() {
		t.Errorf("entry after send: %+v", st)
	}
}

func storeSecret(t *testing.T, st tickets.Store) []byte {
	var s []byte
	if err := st.View(context.Background(), func(v tickets.View) error {
		var err error
		s, err = v.Secret()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReplyToNotificationThreads answers each sent notification the way a
// mail client does (In-Reply-To its Message-ID, "Re: " its subject) and
// checks that mailin files the answer in the same ticket, with and without
// the tag left in the subject.
func TestReplyToNotificationThreads(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	res := e.ingest(newTicketMail("maria@cliente.com.br", "t1@cliente.com.br", "Erro no boleto"))
	drain(t, e.worker())
	sent := r.messages()[0].data
	mr, _ := parseMail(t, sent)
	mid, _ := mr.Header.MessageID()
	subject, _ := mr.Header.Subject()
	for i, subj := range []string{"Re: " + subject, "RES: Erro no boleto (sem a etiqueta)"} {
		reply := fmt.Sprintf("From: maria@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: %s\r\nMessage-ID: <r%d@cliente.com.br>\r\nIn-Reply-To: <%s>\r\nReferences: <t1@cliente.com.br> <%s>\r\n\r\nSegue o print.\r\n\r\nEm 24/11/2026 09:00, Suporte Acme escreveu:\r\n> Recebemos sua solicitação\r\n", subj, i, mid, mid)
		got := e.ingest([]byte(reply))
		if got.Outcome != tickets.Appended || got.Ticket != res.Ticket {
			t.Errorf("reply %q: %+v, want appended to %s", subj, got, res.Ticket)
		}
	}
}

// TestRelayDownThenUp: entries made while the relay is down are retried
// with backoff, and once it is back every one is delivered exactly once.
func TestRelayDownThenUp(t *testing.T) {
	r := startRelay(t)
	r.stop()
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 2 * time.Second})
	const n = 5
	for i := range n {
		e.ingest(newTicketMail(fmt.Sprintf("c%d@cliente.com.br", i), fmt.Sprintf("d%d@c", i), "Pedido"))
	}
	w := e.worker()
	next := drain(t, w)
	pending := e.outbox(tickets.OutboxPending)
	if len(pending) != n {
		t.Fatalf("%d pending after failed attempts", len(pending))
	}
	for _, p := range pending {
		if p.Attempts != 1 || p.LastError == "" || p.NextAttempt.Sub(e.clock.Now()) < 45*time.Second || p.NextAttempt.Sub(e.clock.Now()) > 75*time.Second {
			t.Errorf("after one failure: attempts %d next in %v error %q", p.Attempts, p.NextAttempt.Sub(e.clock.Now()), p.LastError)
		}
	}
	if next.IsZero() || next.Before(e.clock.Now()) {
		t.Errorf("next due %v", next)
	}
	// Not due yet: nothing is tried.
	drain(t, w)
	if p := e.outbox(tickets.OutboxPending); p[0].Attempts != 1 {
		t.Fatalf("retried before its time: %+v", p[0])
	}
	e.clock.Add(2 * time.Minute)
	drain(t, w) // still down: second failure, about 2 minutes more
	for _, p := range e.outbox(tickets.OutboxPending) {
		if d := p.NextAttempt.Sub(e.clock.Now()); p.Attempts != 2 || d < 90*time.Second || d > 150*time.Second {
			t.Errorf("second backoff %v after %d attempts", d, p.Attempts)
		}
	}
	r.restart()
	e.clock.Add(3 * time.Minute)
	drain(t, w)
	drain(t, w)
	got := r.messages()
	ids := map[string]int{}
	for _, m := range got {
		mr, _ := parseMail(t, m.data)
		id, _ := mr.Header.MessageID()
		ids[id]++
	}
	if len(got) != n || len(ids) != n {
		t.Fatalf("relay got %d messages, %d distinct; want %d", len(got), len(ids), n)
	}
	if sent := e.outbox(tickets.OutboxSent); len(sent) != n {
		t.Fatalf("%d marked sent", len(sent))
	}
}

// TestTemporaryAndPermanentRefusals: a 4xx is retried until accepted; a
// 5xx fails the entry at once with the relay's reply kept.
func TestTemporaryAndPermanentRefusals(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	w := e.worker()
	r.failNext(2, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"})
	e.ingest(newTicketMail("a@cliente.com.br", "t4@c", "Temporário"))
	for range 3 {
		drain(t, w)
		e.clock.Add(time.Hour)
	}
	if got := r.messages(); len(got) != 1 {
		t.Fatalf("after two 451s: relay got %d", len(got))
	}
	if s := e.outbox(tickets.OutboxSent); len(s) != 1 || s[0].Attempts != 3 {
		t.Fatalf("sent entries %+v", s)
	}
	r.failNext(-1, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected by policy"})
	e.ingest(newTicketMail("b@cliente.com.br", "t5@c", "Permanente"))
	drain(t, w)
	failed := e.outbox(tickets.OutboxFailed)
	if len(failed) != 1 || !strings.Contains(failed[0].LastError, "554") || !strings.Contains(failed[0].LastError, "rejected by policy") {
		t.Fatalf("failed entries %+v", failed)
	}
	e.clock.Add(24 * time.Hour)
	drain(t, w)
	if n := len(r.messages()); n != 1 {
		t.Fatalf("failed entry was retried: relay has %d", n)
	}
}

// TestGiveUpAfterThreeDays: a relay down for good fails the entry after
// the give-up time, with the last error kept.
func TestGiveUpAfterThreeDays(t *testing.T) {
	r := startRelay(t)
	r.stop()
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: time.Second})
	w := e.worker()
	e.ingest(newTicketMail("a@cliente.com.br", "g1@c", "Nunca"))
	attempts := 0
	for len(e.outbox(tickets.OutboxFailed)) == 0 && attempts < 200 {
		drain(t, w)
		e.clock.Add(time.Hour)
		attempts++
	}
	f := e.outbox(tickets.OutboxFailed)
	if len(f) != 1 || !strings.Contains(f[0].LastError, "gave up") || attempts < 70 || attempts > 80 {
		t.Fatalf("after %d hours: %+v", attempts, f)
	}
}

// TestRetryAfterGiveUp: an entry an analyst puts back in the queue after
// it gave up gets a new run of attempts (counted from the retry, not from
// its creation three days earlier), and is sent once the relay is back.
func TestRetryAfterGiveUp(t *testing.T) {
	r := startRelay(t)
	r.stop()
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: time.Second})
	w := e.worker()
	e.ingest(newTicketMail("a@cliente.com.br", "g2@c", "Nunca"))
	for i := 0; len(e.outbox(tickets.OutboxFailed)) == 0; i++ {
		if i > 200 {
			t.Fatal("never gave up")
		}
		drain(t, w)
		e.clock.Add(time.Hour)
	}
	id := e.outbox(tickets.OutboxFailed)[0].ID
	if err := e.store.Update(context.Background(), func(tx tickets.Tx) error {
		_, err := tx.RetryOutbox(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	drain(t, w) // the relay is still down: a transient failure, not the end
	if p := e.outbox(tickets.OutboxPending); len(p) != 1 || p[0].Attempts != 1 || p[0].RetriedAt.IsZero() {
		t.Fatalf("after the retry's first failed attempt: pending %+v, failed %+v", p, e.outbox(tickets.OutboxFailed))
	}
	r.restart()
	e.clock.Add(2 * time.Hour)
	drain(t, w)
	if sent := e.outbox(tickets.OutboxSent); len(sent) != 1 || len(r.messages()) != 1 {
		t.Fatalf("after the relay came back: sent %+v, relay got %d", sent, len(r.messages()))
	}
}

// TestRestartMidQueue: the worker is stopped in the middle of a queue and
// the store closed; a new process resumes and delivers the rest. Every
// message arrives; only the one in flight at the stop may come twice, with
// the same Message-ID.
func TestRestartMidQueue(t *testing.T) {
	dir := t.TempDir()
	tr, err := mailout.NewDirTransport(dir)
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingTransport{Transport: tr}
	e := newEnv(t, counting)
	const n = 20
	for i := range n {
		e.ingest(newTicketMail(fmt.Sprintf("r%d@cliente.com.br", i), fmt.Sprintf("q%d@c", i), "Fila"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	counting.onSend = func(k int) {
		if k == 7 {
			cancel()
		}
	}
	if _, err := e.worker().Drain(ctx); err == nil {
		t.Fatal("drain with a cancelled context reported no error")
	}
	e.store.Close()
	e.open()
	counting.onSend = nil
	drain(t, e.worker())
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != n {
		t.Fatalf("%d files in the outbox folder, want %d", len(files), n)
	}
	if s := e.outbox(tickets.OutboxSent); len(s) != n {
		t.Fatalf("%d entries sent", len(s))
	}
	if c := counting.count(); c < n || c > n+1 {
		t.Fatalf("%d sends for %d messages", c, n)
	}
}

type countingTransport struct {
	mailout.Transport
	mu     sync.Mutex
	n      int
	onSend func(int)
}

func (c *countingTransport) Send(ctx context.Context, from string, to []string, msg []byte) error {
	c.mu.Lock()
	c.n++
	k, f := c.n, c.onSend
	c.mu.Unlock()
	err := c.Transport.Send(ctx, from, to, msg)
	if f != nil {
		f(k)
	}
	return err
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestLoopBudget: automatic mail to one address stops at the limit within
// the window; the rest is recorded as suppressed, and the budget comes back
// once the window has passed.
func TestLoopBudget(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	w := e.worker()
	for i := range 12 {
		e.ingest(newTicketMail("robo@cliente.com.br", fmt.Sprintf("l%d@c", i), fmt.Sprintf("Alerta %d", i)))
	}
	drain(t, w)
	if got, sup := len(r.messages()), len(e.outbox(tickets.OutboxSuppressed)); got != 10 || sup != 2 {
		t.Fatalf("sent %d, suppressed %d; want 10 and 2", got, sup)
	}
	e.clock.Add(3*time.Hour + time.Minute)
	e.ingest(newTicketMail("robo@cliente.com.br", "l99@c", "Alerta depois"))
	drain(t, w)
	if got := len(r.messages()); got != 11 {
		t.Fatalf("after the window: sent %d", got)
	}
}

// TestWokenOnEnqueue: with the worker running, a new ticket's confirmation
// leaves without waiting for the worker's idle poll (a minute).
func TestWokenOnEnqueue(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	e.opts.Now = nil // real time: the worker sleeps on real timers
	w := e.worker()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond) // the worker is idle now
	start := time.Now()
	e.ingest(newTicketMail("w@cliente.com.br", "w1@c", "Acordar"))
	for len(r.messages()) == 0 && time.Since(start) < 20*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if len(r.messages()) != 1 {
		t.Fatalf("confirmation not sent %v after the commit", time.Since(start))
	}
	t.Logf("sent %v after the commit", time.Since(start))
}

// TestCorpusConfirmations delivers the whole corpus with the dir transport:
// one confirmation per created ticket (and a notice for refused files),
// nothing for ignored, duplicate or held mail.
func TestCorpusConfirmations(t *testing.T) {
	cases, err := corpus.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr, err := mailout.NewDirTransport(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, tr)
	created, refused := map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		raw, err := c.Raw(corpusDir)
		if err != nil {
			t.Fatal(err)
		}
		res := e.ingest(raw)
		if string(res.Outcome) != c.Expect {
			t.Fatalf("%s: %+v", c.File, res)
		}
		if c.Expect == "created" {
			created[res.Ticket] = true
			if len(c.Rejected) > 0 {
				refused[res.Ticket] = true
			}
		}
	}
	drain(t, e.worker())
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	confirmations := map[string]int{}
	notices := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		mr, _ := parseMail(t, data)
		key := mr.Header.Get("X-Ticketgw-Ticket")
		subject, _ := mr.Header.Subject()
		switch {
		case strings.HasPrefix(subject, "["+key+"] "):
			confirmations[key]++
		case refused[key] && strings.HasPrefix(subject, "Re: ["+key+"] "):
			notices++
		default:
			t.Errorf("unexpected mail %q for %q", subject, key)
		}
	}
	if len(confirmations) != len(created) || notices != len(refused) {
		t.Fatalf("%d confirmations for %d created tickets, %d refusal notices for %d", len(confirmations), len(created), notices, len(refused))
	}
	for k, n := range confirmations {
		if !created[k] || n != 1 {
			t.Errorf("ticket %s: %d confirmations", k, n)
		}
	}
}

// TestAnalystReplyAndStatus sends an analyst's reply (human mail: no
// Auto-Submitted, the attachment along) and a status change, then answers
// every mail the customer got as a mail client would: each answer threads
// into the ticket and reopens it when resolved.
func TestAnalystReplyAndStatus(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	w := e.worker()
	res := e.ingest(newTicketMail("maria@cliente.com.br", "a1@cliente.com.br", "Impressora"))
	err := e.store.Update(context.Background(), func(tx tickets.Tx) error {
		if _, err := tx.Reply(res.Ticket, "Carla", "Olá Maria,\n\nsegue o driver corrigido.\n\nCarla", []tickets.Attachment{
			{Filename: "driver.zip", ContentType: "application/zip", Data: []byte("PK-driver")}}); err != nil {
			return err
		}
		_, err := tx.SetStatus(res.Ticket, "Carla", tickets.StatusResolved)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, w)
	got := r.messages()
	if len(got) != 3 {
		t.Fatalf("relay got %d messages, want confirmation, reply, status", len(got))
	}
	firstID := "a1@cliente.com.br"
	for i, m := range got {
		mr, parts := parseMail(t, m.data)
		h := mr.Header
		subject, _ := h.Subject()
		irt, _ := h.MsgIDList("In-Reply-To")
		refs, _ := h.MsgIDList("References")
		if len(refs) == 0 || refs[0] != firstID || len(irt) != 1 {
			t.Errorf("mail %d (%s): In-Reply-To %v References %v", i, subject, irt, refs)
		}
		switch i {
		case 1:
			if subject != "Re: ["+res.Ticket+"] Impressora" || h.Get("Auto-Submitted") != "" || h.Get("X-Auto-Response-Suppress") != "All" {
				t.Errorf("reply headers: subject %q auto-submitted %q", subject, h.Get("Auto-Submitted"))
			}
			if !strings.Contains(parts["text/plain"], "segue o driver corrigido.") || parts["application/zip"] != "PK-driver" {
				t.Errorf("reply body %q attachment %q", parts["text/plain"], parts["application/zip"])
			}
		case 2:
			if subject != "Re: ["+res.Ticket+"] Impressora" || h.Get("Auto-Submitted") != "auto-replied" || !strings.Contains(parts["text/plain"], "Resolvido") ||
				!strings.Contains(parts["text/plain"], "segue o driver corrigido.") {
				t.Errorf("status mail: subject %q auto-submitted %q body %q", subject, h.Get("Auto-Submitted"), parts["text/plain"])
			}
		}
		// The customer answers this mail, dropping the tag: it must thread
		// by its Message-ID alone.
		mid, _ := h.MessageID()
		answer := fmt.Sprintf("From: maria@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: Re: Impressora\r\nMessage-ID: <ans%d@cliente.com.br>\r\nIn-Reply-To: <%s>\r\n\r\nObrigada!\r\n", i, mid)
		if a := e.ingest([]byte(answer)); a.Outcome != tickets.Appended || a.Ticket != res.Ticket {
			t.Errorf("answer to mail %d (%s): %+v", i, subject, a)
		}
	}
	var d tickets.TicketDetail
	_ = e.store.View(context.Background(), func(v tickets.View) error {
		d, err = v.Detail(res.Ticket)
		return err
	})
	if d.Status != tickets.StatusOpen {
		t.Errorf("status after the customer answered a resolved ticket: %s", d.Status)
	}
}
