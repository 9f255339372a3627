package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// TestHostileContentIsEscapedEverywhere puts script tags, event handler
// attributes and javascript: links in every field a stranger controls and
// checks that no page carries them as markup.
func TestHostileContentIsEscapedEverywhere(t *testing.T) {
	e := newPageEnv(t)
	var held uint64
	e.update(func(tx tickets.Tx) error {
		in := tickets.Inbound{Source: "test", From: `"<script>x</script>" <evil@x.com>`, Subject: hostileSubject, Outcome: tickets.Held,
			Reason: "unknown-sender", Text: hostileText, Problems: []string{"<script>p</script>"}}
		raw := "From: <script>alert(6)</script> <evil@x.com>\r\nSubject: " + hostileSubject + "\r\nX-Evil: <img src=x onerror=alert(7)>\r\n\r\nbody"
		if err := tx.RecordInbound(&in, []byte(raw), ""); err != nil {
			return err
		}
		held = in.ID
		if err := tx.AddCustomer(tickets.Customer{Email: "evil@x.com", Name: "<script>alert(8)</script>"}); err != nil {
			return err
		}
		if err := tx.PostAnnouncement(&tickets.Announcement{Text: hostileText, PostedBy: "carla"}); err != nil {
			return err
		}
		ob := tickets.OutboxEntry{Kind: tickets.MailReply, Ticket: e.a.Key, To: "<img src=x onerror=alert(9)>@x.com", MessageID: "<h@x>"}
		if err := tx.Enqueue(&ob); err != nil {
			return err
		}
		ob.State, ob.LastError = tickets.OutboxFailed, `550 <script>alert(10)</script> <a href="javascript:alert(11)">x</a>`
		if err := tx.UpdateOutbox(&ob); err != nil {
			return err
		}
		if _, err := tx.SetAssignee(e.a.Key, "carla", `<img src=x onerror=alert(12)>`); err != nil {
			return err
		}
		_, err := tx.SetDepartment(e.a.Key, "carla", `"><script>alert(13)</script>`)
		return err
	})
	b := e.loggedIn()
	hid := strconv.FormatUint(held, 10)
	analyst := []string{"/tickets", "/tickets?q=" + url.QueryEscape(`"><script>alert(14)</script>`), "/tickets?requester=" + url.QueryEscape(`"><img src=x onerror=alert(15)>`),
		"/tickets/" + e.a.Key, "/held", "/held/" + hid, "/customers", "/outbox", "/announcements"}
	for _, p := range analyst {
		checkSafePage(t, p, b.get(p))
	}
	c := e.browser()
	for _, p := range []string{e.ticketLink(e.a.Key), e.listLink("ana@cliente.com.br"), e.listLink("ana@cliente.com.br") + "&q=" + url.QueryEscape("<script>alert(16)</script>"),
		"/login?next=" + url.QueryEscape(`"><script>alert(17)</script>`)} {
		checkSafePage(t, p, c.get(p))
	}
	// The hostile words are there, as text.
	page := b.get("/tickets/" + e.a.Key)
	mustContain(t, "ticket page", page.body, "&lt;script&gt;alert(&#34;s&#34;)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"&lt;a href=&#34;javascript:alert(2)&#34;&gt;clique&lt;/a&gt;", "&lt;img src=x onerror=alert(4)&gt;.txt")
}

var urlAttr = regexp.MustCompile(`\s(href|src|action)="([^"]*)"`)

// checkSafePage: a page in which hostile content could only be text.
func checkSafePage(t *testing.T, path string, a answer) {
	t.Helper()
	if a.code != 200 {
		t.Errorf("%s: %d", path, a.code)
		return
	}
	mustNotContain(t, path, a.body, "<script", "<img", "<a href=\"javascript", " onerror=alert(4)>", "<b>")
	// Every link, form and resource points into the site.
	for _, m := range urlAttr.FindAllStringSubmatch(a.body, -1) {
		if !strings.HasPrefix(m[2], "/") || strings.HasPrefix(m[2], "//") {
			t.Errorf("%s: %s=%q", path, m[1], m[2])
		}
	}
	csp := a.h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("%s: CSP %q", path, csp)
	}
	if a.h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(a.h.Get("Content-Type"), "text/html; charset=utf-8") {
		t.Errorf("%s: headers %v", path, a.h)
	}
	// No inline style either: the CSP would refuse it.
	mustNotContain(t, path, a.body, "<style", " style=\"")
}

func TestStyleSheet(t *testing.T) {
	e := newPageEnv(t)
	a := e.browser().get("/static/style.css")
	if a.code != 200 || !strings.HasPrefix(a.h.Get("Content-Type"), "text/css") || !strings.Contains(a.body, ".msg-note") {
		t.Fatalf("style sheet: %d %v", a.code, a.h)
	}
	if a := e.browser().get("/static/other.js"); a.code != 404 {
		t.Errorf("other static file: %d", a.code)
	}
}

func TestPagesInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want map[string][]string // page → words
	}{
		{"pt-BR", map[string][]string{
			"login":    {`lang="pt-BR"`, "Entrada de analistas", "Senha", "Entrar"},
			"queue":    {"Chamados", "Aberto", "Buscar", "Solicitante", "Reportar bug", "Fila", "Sair"},
			"ticket":   {"Responder ao cliente", "Nota interna", "Histórico", "Situação", "Em atendimento"},
			"customer": {"Escreva para nós", "Histórico", "Aberto", "Receber por e-mail o link de todos os seus chamados"},
			"list":     {"Seus chamados", "Todos", "Aguardando cliente"},
		}},
		{"en", map[string][]string{
			"login":    {`lang="en"`, "Analyst login", "Password", "Log in"},
			"queue":    {"Tickets", "Open", "Search", "Requester", "Bug report", "Queue", "Log out"},
			"ticket":   {"Reply to the customer", "Internal note", "History", "Status", "In progress"},
			"customer": {"Write to us", "History", "Open", "Get the link to all your tickets by email"},
			"list":     {"Your tickets", "All", "Waiting for customer"},
		}},
	} {
		e := newPageEnv(t, func(o *web.Options) { o.Language = tc.lang })
		b := e.browser()
		pages := map[string]string{"login": b.get("/login").body}
		b = e.loggedIn()
		pages["queue"] = b.get("/tickets").body
		pages["ticket"] = b.get("/tickets/" + e.a.Key).body
		pages["customer"] = e.browser().get(e.ticketLink(e.a.Key)).body
		pages["list"] = e.browser().get(e.listLink("ana@cliente.com.br")).body
		for page, words := range tc.want {
			mustContain(t, tc.lang+" "+page, pages[page], words...)
		}
		other := map[string]string{"pt-BR": "Log in", "en": "Entrar"}[tc.lang]
		mustNotContain(t, tc.lang+" login", pages["login"], other)
	}
}

func TestCheckPages(t *testing.T) {
	for _, lang := range []string{"pt-BR", "en"} {
		e := newPageEnv(t, func(o *web.Options) { o.Language = lang })
		if err := web.New(e.st, e.opts).CheckPages(); err != nil {
			t.Errorf("%s: %v", lang, err)
		}
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web", "held.html"), []byte(`{{define "title"}}x{{end}}{{define "content"}}{{range .Held}}{{.Sender}}{{end}}{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newPageEnv(t, func(o *web.Options) { o.Templates = tpl })
	if err := web.New(e.st, e.opts).CheckPages(); err == nil || !strings.Contains(err.Error(), "Sender") {
		t.Errorf("broken override: %v", err)
	}
}
