package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

const password = "correct horse battery"

// Hostile content that every page must show as text.
const (
	hostileSubject = `Erro <script>alert("s")</script> no <b>login</b>`
	hostileText    = "Veja: <img src=x onerror=alert(1)> e <a href=\"javascript:alert(2)\">clique</a>\n<script>alert(3)</script>"
	hostileFile    = `<img src=x onerror=alert(4)>.txt`
	secretNote     = "segredo interno: cliente inadimplente"
)

// clock is a settable time shared by the test and the server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// pageEnv is a real store with tickets, an analyst, and the server.
type pageEnv struct {
	t      *testing.T
	path   string
	st     *tickets.BoltStore
	srv    *httptest.Server
	clock  *clock
	opts   web.Options
	secret []byte
	// a: ana's ticket (hostile, with a note and an attachment); b: beto's.
	a, b tickets.Ticket
}

func newPageEnv(t *testing.T, edit ...func(*web.Options)) *pageEnv {
	t.Helper()
	e := &pageEnv{t: t, path: filepath.Join(t.TempDir(), "ticketgw.db"), clock: &clock{now: time.Now()}}
	e.open()
	ctx := context.Background()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	err = e.st.Update(ctx, func(tx tickets.Tx) error {
		e.a = tickets.Ticket{Subject: hostileSubject, Type: tickets.TypeBug, Department: "Suporte", Requester: "ana@cliente.com.br", Address: "suporte@acme.com.br"}
		first := &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", MessageID: "<a1@cliente>", Text: hostileText, FullText: hostileText + "\n> citação antiga",
			Attachments: []tickets.Attachment{{Filename: hostileFile, ContentType: "text/html", Data: []byte("<script>alert(5)</script>")}},
			Rejected:    []tickets.Rejected{{Filename: "setup<script>.exe", Reason: tickets.RefusedType}}}
		if err := tx.CreateTicket(&e.a, first); err != nil {
			return err
		}
		if _, err := tx.Note(e.a.Key, "carla", secretNote); err != nil {
			return err
		}
		e.b = tickets.Ticket{Subject: "Dúvida sobre fatura", Type: tickets.TypeSupport, Department: "Financeiro", Requester: "beto@outra.com", Address: "suporte@acme.com.br"}
		if err := tx.CreateTicket(&e.b, &tickets.Message{Direction: tickets.DirIn, From: "beto@outra.com", MessageID: "<b1@outra>", Text: "boleto vencido",
			Attachments: []tickets.Attachment{{Filename: "boleto.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}}}); err != nil {
			return err
		}
		return tx.PutAnalyst(tickets.Analyst{Name: "carla", PasswordHash: hash})
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = e.st.View(ctx, func(v tickets.View) error { e.secret, err = v.Secret(); return err })
	e.opts = web.Options{BaseURL: "http://support.example", Language: "pt-BR", Now: e.clock.Now,
		Attachments: tickets.AttachmentPolicy{MaxBytes: 1 << 20, Allowed: []string{"pdf", "txt", "png"}},
		Departments: []string{"Suporte", "Financeiro"}}
	for _, f := range edit {
		f(&e.opts)
	}
	e.serve()
	return e
}

func (e *pageEnv) open() {
	st, err := tickets.Open(e.path, tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.t.Cleanup(func() { st.Close() })
}

func (e *pageEnv) serve() {
	e.srv = httptest.NewServer(web.New(e.st, e.opts))
	e.t.Cleanup(e.srv.Close)
}

// restart closes the server and the store and opens both again on the
// same file: what a restart of serve does.
func (e *pageEnv) restart() {
	e.srv.Close()
	e.st.Close()
	e.open()
	e.serve()
}

func (e *pageEnv) update(fn func(tickets.Tx) error) {
	e.t.Helper()
	if err := e.st.Update(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *pageEnv) detail(key string) tickets.TicketDetail {
	e.t.Helper()
	var d tickets.TicketDetail
	err := e.st.View(context.Background(), func(v tickets.View) error {
		var err error
		d, err = v.Detail(key)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *pageEnv) outbox() []tickets.OutboxEntry {
	e.t.Helper()
	var out []tickets.OutboxEntry
	err := e.st.View(context.Background(), func(v tickets.View) error {
		var err error
		out, err = v.Outbox("")
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// browser is a client with its own cookies that does not follow redirects
// (tests look at them).
type browser struct {
	e    *pageEnv
	c    *http.Client
	csrf string
}

func (e *pageEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	code int
	body string
	h    http.Header
}

func (b *browser) do(req *http.Request) answer {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(body), resp.Header}
}

func (b *browser) get(path string) answer {
	b.e.t.Helper()
	req, err := http.NewRequest("GET", b.e.srv.URL+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.do(req)
}

// postForm posts exactly the fields given, with the extra headers.
func (b *browser) postForm(path string, form url.Values, headers ...string) answer {
	b.e.t.Helper()
	req, err := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// post posts the fields with the session's CSRF token, as a page's form.
func (b *browser) post(path string, form url.Values) answer {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf)
	return b.postForm(path, form, "Origin", b.e.srv.URL)
}

// upload is one file of a multipart post.
type upload struct{ name, ctype, data string }

// postMultipart posts fields and files as a form with enctype
// multipart/form-data.
func (b *browser) postMultipart(path string, fields map[string]string, files ...upload) answer {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="files"; filename="` + f.name + `"`}
		h["Content-Type"] = []string{f.ctype}
		w, err := mw.CreatePart(h)
		if err != nil {
			b.e.t.Fatal(err)
		}
		_, _ = w.Write([]byte(f.data))
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.e.srv.URL)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken finds the CSRF token of a page's forms.
func formToken(t testing.TB, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in:\n%s", body)
	}
	return m[1]
}

// login logs the browser in as name, as a person would: the login page,
// then its form.
func (b *browser) login(name, pw string) answer {
	b.e.t.Helper()
	page := b.get("/login")
	if page.code != 200 {
		b.e.t.Fatalf("login page: %d", page.code)
	}
	a := b.postForm("/login", url.Values{"csrf": {formToken(b.e.t, page.body)}, "name": {name}, "password": {pw}, "next": {"/tickets"}})
	if a.code == http.StatusSeeOther {
		q := b.get("/tickets")
		if q.code != 200 {
			b.e.t.Fatalf("queue after login: %d", q.code)
		}
		b.csrf = formToken(b.e.t, q.body)
	}
	return a
}

// loggedIn is a browser with carla's session.
func (e *pageEnv) loggedIn() *browser {
	e.t.Helper()
	b := e.browser()
	if a := b.login("carla", password); a.code != http.StatusSeeOther {
		e.t.Fatalf("login: %d %s", a.code, a.body)
	}
	return b
}

func (e *pageEnv) ticketLink(key string) string {
	return "/t/" + key + "?k=" + e.ticketTok(key)
}

func (e *pageEnv) listLink(email string) string {
	return "/me?k=" + url.QueryEscape(e.listTok(email))
}

// ticketTok is a live token of key's link at the clock's time, made as
// the outbox makes them (for a ticket that does not exist: version 0).
func (e *pageEnv) ticketTok(key string) string {
	e.t.Helper()
	var tok string
	err := e.st.View(context.Background(), func(v tickets.View) error {
		tk, err := v.Ticket(key)
		if errors.Is(err, tickets.ErrNotFound) {
			keys, err := v.LinkKeys()
			tok = tickets.TicketLink(keys, key, 0, e.clock.Now().Add(time.Hour))
			return err
		}
		if err != nil {
			return err
		}
		tok, err = tickets.NewTicketLink(v, e.opts.Links, tk, e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// listTok is a live token of email's list link at the clock's time.
func (e *pageEnv) listTok(email string) string {
	e.t.Helper()
	var tok string
	err := e.st.View(context.Background(), func(v tickets.View) error {
		var err error
		tok, err = tickets.NewListLink(v, e.opts.Links, email, e.clock.Now())
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func sessionHash(v string) []byte {
	s := sha256.Sum256([]byte(v))
	return s[:]
}

// mustContain fails for each want missing from body.
func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// mustNotContain fails for each unwanted string in body.
func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}
