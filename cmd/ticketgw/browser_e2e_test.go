package main

// End-to-end tests of the web view in headless Chromium (internal/browser):
// a real `ticketgw serve` (SMTP listener, web, outbox to a folder), mail
// that comes in through `ticketgw deliver`, and a browser that logs in,
// searches, replies with a file, follows the deep links of the customer's
// emails and opens hostile mail. One serve and one Chromium serve every
// subtest, which run in order and build on each other's tickets.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-message/mail"

	"github.com/ticketgw/ticketgw/internal/browser"
)

const (
	browserAnalyst  = "carla"
	browserPassword = "uma senha longa e boa"
	// hostile is what the hostile mail tries to run: each would set
	// window.__pwned if the pages let it through as markup.
	hostileScript = `<script>window.__pwned=1</script>`
	hostileImg    = `<img src=x onerror="window.__pwned=1">`
	hostileLink   = `javascript:window.__pwned=1`
)

// webSite is one running serve with its web view, as the browser tests use
// it.
type webSite struct {
	cfg    string // the configuration file
	base   string // base_url: http://127.0.0.1:PORT
	outbox string // [outbound] dir
	srv    *serveProc
}

// startWebSite writes a configuration (one support address, pt-BR, SMTP
// listener and web on free ports, base_url on the web address, outgoing
// mail as .eml files in a folder), creates the analyst with the CLI and
// starts serve.
func startWebSite(t *testing.T) *webSite {
	t.Helper()
	dir := t.TempDir()
	webAddr := freePort(t)
	s := &webSite{cfg: filepath.Join(dir, "ticketgw.toml"), base: "http://" + webAddr, outbox: filepath.Join(dir, "outbox")}
	cfg := fmt.Sprintf(`data_dir = %q
base_url = %q
language = "pt-BR"
ticket_prefix = "SUP"
first_ticket_number = 1000
senders = "anyone"

[[address]]
email = "suporte@acme.com.br"
name = "Suporte Acme"
department = "Suporte"
type = "support"

[smtp]
listen = %q

[web]
listen = %q

[outbound]
transport = "dir"
dir = %q
`, filepath.Join(dir, "data"), s.base, freePort(t), webAddr, s.outbox)
	if err := os.WriteFile(s.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	createStore(t, filepath.Join(dir, "data"))
	if r := runBinary(t, []byte(browserPassword+"\n"), "analyst", "add", "-config", s.cfg, "-password-stdin", browserAnalyst); r.code != 0 {
		t.Fatalf("analyst add: exit %d %s", r.code, r.stderr)
	}
	s.srv = mustStartServe(t, s.cfg)
	return s
}

// deliver hands raw to `ticketgw deliver`, which passes it to serve's SMTP
// listener, and returns the ticket it went to.
func (s *webSite) deliver(t *testing.T, raw, want string) string {
	t.Helper()
	r := runBinary(t, []byte(raw), "deliver", "-config", s.cfg, "-rcpt", "suporte@acme.com.br")
	var got struct{ Outcome, Ticket, Reason string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 || got.Outcome != want || got.Ticket == "" {
		t.Fatalf("deliver: exit %d, %q (want %s), %v\n%s\nserve:\n%s", r.code, r.stdout, want, err, r.stderr, s.srv.log.tail(20))
	}
	return got.Ticket
}

// customerMail is a plain-text message to the support address, its body
// quoted-printable as most clients send accented text.
func customerMail(id, from, subject, body string) string {
	var qp bytes.Buffer
	w := newQP(&qp)
	io.WriteString(w, strings.ReplaceAll(body, "\n", "\r\n"))
	w.Close()
	return strings.Join([]string{
		"From: " + from,
		"To: Suporte Acme <suporte@acme.com.br>",
		"Subject: " + mimeWord(subject),
		"Date: Mon, 02 Mar 2026 10:00:00 -0300",
		"Message-ID: <" + id + "@cliente.com.br>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		qp.String(),
	}, "\r\n")
}

// sentFile is an attachment of an outgoing message.
type sentFile struct {
	name, contentType string
	data              []byte
}

// sentMail is one .eml file of the outbox, decoded (transfer encodings,
// RFC 2047 words, RFC 2231 file names).
type sentMail struct {
	path, subject string
	header        mail.Header
	text, html    string
	files         []sentFile
}

func readSent(path string) (sentMail, error) {
	f, err := os.Open(path)
	if err != nil {
		return sentMail{}, err
	}
	defer f.Close()
	mr, err := mail.CreateReader(f)
	if err != nil {
		return sentMail{}, err
	}
	m := sentMail{path: path, header: mr.Header}
	if m.subject, err = mr.Header.Subject(); err != nil {
		return m, err
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return m, err
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			return m, err
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			switch ct, _, _ := h.ContentType(); ct {
			case "text/plain":
				m.text += string(body)
			case "text/html":
				m.html += string(body)
			}
		case *mail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				return m, err
			}
			ct, _, _ := h.ContentType()
			m.files = append(m.files, sentFile{name: name, contentType: ct, data: body})
		}
	}
}

// waitSent polls the outbox until a message there matches, for at most
// ten seconds: the outbox worker sends within milliseconds of the commit.
func (s *webSite) waitSent(t *testing.T, what string, match func(sentMail) bool) sentMail {
	t.Helper()
	var seen []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		paths, _ := filepath.Glob(filepath.Join(s.outbox, "*.eml"))
		seen = seen[:0]
		for _, p := range paths {
			m, err := readSent(p)
			if err != nil {
				seen = append(seen, fmt.Sprintf("%s: %v", filepath.Base(p), err))
				continue
			}
			if match(m) {
				return m
			}
			seen = append(seen, m.subject)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the outbox within 10s; there are %q\nserve:\n%s", what, seen, s.srv.log.tail(20))
		}
	}
}

// confirmation waits for the confirmation of a new ticket.
func (s *webSite) confirmation(t *testing.T, key string) sentMail {
	t.Helper()
	return s.waitSent(t, "confirmation of "+key, func(m sentMail) bool {
		return strings.Contains(m.subject, "["+key+"]") && m.header.Get("Auto-Submitted") == "auto-replied"
	})
}

// links finds the deep links of a decoded message's text: to the ticket
// (/t/KEY?k=) and to the list of the customer's tickets (/me?k=). It also
// checks that the HTML part carries the same links.
func (s *webSite) links(t *testing.T, m sentMail, key string) (ticket, list string) {
	t.Helper()
	for _, u := range regexp.MustCompile(`https?://\S+`).FindAllString(m.text, -1) {
		switch {
		case strings.HasPrefix(u, s.base+"/t/"+key+"?k="):
			ticket = u
		case strings.HasPrefix(u, s.base+"/me?k="):
			list = u
		}
	}
	if ticket == "" || list == "" {
		t.Fatalf("%s: no deep links to %s/t/%s?k= and %s/me?k= in the text:\n%s", m.subject, s.base, key, s.base, m.text)
	}
	for _, u := range []string{ticket, list} {
		if !strings.Contains(m.html, `href="`+u+`"`) {
			t.Errorf("%s: the HTML part has no link to %s", m.subject, u)
		}
	}
	return ticket, list
}

// texts are the innerText of every element matching css.
func texts(b *browser.Browser, css string) []string {
	return browser.Get(b, "read "+css, chromedp.Evaluate[[]string](
		fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.innerText)`, css)))
}

// count is the number of elements matching css.
func count(b *browser.Browser, css string) int {
	return browser.Get(b, "count "+css, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
}

// location is the tab's URL.
func location(t *testing.T, b *browser.Browser) *url.URL {
	t.Helper()
	loc := browser.Get(b, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	return u
}

// newQP and mimeWord encode a body and a header as mail clients do.
func newQP(w io.Writer) io.WriteCloser { return quotedprintable.NewWriter(w) }
func mimeWord(s string) string         { return mime.QEncoding.Encode("utf-8", s) }

// anyContains reports whether one of list contains sub.
func anyContains(list []string, sub string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, sub) })
}

// login logs the analyst in through the login page if the tab is not
// logged in yet, and leaves it on the queue.
func (s *webSite) login(t *testing.T, b *browser.Browser) {
	t.Helper()
	b.Do("open the queue", chromedp.Navigate(s.base+"/tickets"))
	if location(t, b).Path == "/login" {
		b.Do("fill the login form",
			chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name=name]`), browserAnalyst),
			chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name=password]`), browserPassword))
		b.Load("log in", chromedp.Click(chromedp.CSS(`form[action="/login"] button`)))
	}
	if u := location(t, b); u.Path != "/tickets" {
		t.Fatalf("after logging in the tab is at %s, want /tickets", u)
	}
}

// tinyPNG is a small image with a few colours, written to dir.
func tinyPNG(t *testing.T, dir, name string) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 6, 4))
	for x := range 6 {
		for y := range 4 {
			img.Set(x, y, color.RGBA{uint8(40 * x), uint8(60 * y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

// TestBrowserWebView drives the web view of a running serve with headless
// Chromium, as an analyst and as a customer:
//
//   - analyst: / sends a stranger to the login page, the login lands on the
//     queue, the search box finds a ticket by a word of its body typed
//     without accents, and a reply with a file uploaded through the file
//     input shows in the thread and leaves as an email with the ticket's
//     tag, the text and the very bytes of the file;
//   - customer: the deep link of the confirmation email (decoded from its
//     quoted-printable body) opens the ticket with no login, a reply typed
//     in its form joins the thread (and the analyst sees it), and the "all
//     my tickets" link lists the customer's tickets and no one else's;
//   - hostile: mail whose subject and bodies (plain and HTML) carry script,
//     an image with onerror and a javascript: link runs nothing on the
//     analyst's or the customer's pages and shows the markup as text;
//   - screenshot: the ticket page is captured and is not blank.
//
// Serve is then stopped, and `tickets show -json` must hold what the
// browser did.
func TestBrowserWebView(t *testing.T) {
	site := startWebSite(t)
	maria := site.deliver(t, customerMail("nf-1", `"Maria Souza" <maria@cliente.com.br>`, "Nota fiscal não é emitida",
		"Bom dia,\nA emissão da nota fiscal falha desde ontem às 15h.\nPoderiam verificar?\nMaria"), "created")
	joao := site.deliver(t, customerMail("cad-1", `"João Araújo" <joao@cliente.com.br>`, "Cadastro da empresa",
		"Olá,\nSolicito a atualização do endereço de cobrança da nossa empresa.\nObrigado, João"), "created")
	ana := site.deliver(t, customerMail("bol-1", `"Ana Lima" <ana@cliente.com.br>`, "Boleto em duplicidade",
		"Recebi dois boletos com o mesmo vencimento; qual devo pagar?"), "created")
	if len(map[string]bool{maria: true, joao: true, ana: true}) != 3 {
		t.Fatalf("three mails made tickets %s %s %s, want three tickets", maria, joao, ana)
	}

	b := browser.New(t, 15*time.Second)
	const (
		analystReply  = "Olá, João!\nO endereço de cobrança já foi atualizado; segue o comprovante."
		customerReply = "Obrigada!\nO erro continua hoje às 9h — mando a tela se precisarem."
	)
	shotName := "comprovante-cobrança.png"
	shotPath, shotBytes := tinyPNG(t, t.TempDir(), shotName)

	t.Run("analyst", func(t *testing.T) {
		b := b.For(t)
		b.Do("open /", chromedp.Navigate(site.base+"/"))
		if u := location(t, b); u.Path != "/login" || u.Query().Get("next") != "/tickets" {
			t.Fatalf("/ without a login went to %s, want /login?next=/tickets", u)
		}
		site.login(t, b)
		if rows := texts(b, "table.list tbody tr"); len(rows) != 3 || !anyContains(rows, maria) || !anyContains(rows, joao) || !anyContains(rows, ana) {
			t.Fatalf("queue rows %q, want the three tickets", rows)
		}

		b.Do("type a search word without its accents", chromedp.SendKeys(chromedp.CSS(`form.filters input[name=q]`), "atualizacao"))
		b.Load("search", chromedp.Click(chromedp.CSS(`form.filters button`)))
		if u := location(t, b); u.Path != "/tickets" || u.Query().Get("q") != "atualizacao" {
			t.Errorf("search went to %s", u)
		}
		rows := texts(b, "table.list tbody tr")
		if len(rows) != 1 || !strings.Contains(rows[0], joao) || !strings.Contains(rows[0], "Cadastro da empresa") {
			t.Fatalf("search for atualizacao found %q, want only %s", rows, joao)
		}

		b.Load("open the ticket found", chromedp.Click(chromedp.CSS(`table.list tbody a`)))
		if u := location(t, b); u.Path != "/tickets/"+joao {
			t.Fatalf("the result opened %s, want /tickets/%s", u, joao)
		}
		if h1 := texts(b, "h1"); len(h1) != 1 || h1[0] != joao+" Cadastro da empresa" {
			t.Errorf("ticket heading %q", h1)
		}
		if in := texts(b, ".thread .msg-in .text"); len(in) != 1 || !strings.Contains(in[0], "Solicito a atualização do endereço") {
			t.Errorf("thread shows %q, want João's message", in)
		}

		b.Do("write the reply and pick a file",
			chromedp.SendKeys(chromedp.CSS(`form.reply textarea[name=text]`), analystReply),
			chromedp.SetUploadFiles(chromedp.CSS(`form.reply input[type=file]`), []string{shotPath}))
		resp := b.Load("send the reply", chromedp.Click(chromedp.CSS(`form.reply button`)))
		if u := location(t, b); resp.Status != 200 || u.Path != "/tickets/"+joao || u.Query().Get("done") != "reply" {
			t.Fatalf("after sending the reply: HTTP %d at %s, want 200 at /tickets/%s?done=reply; page: %q", resp.Status, u, joao, texts(b, "main"))
		}
		if n := texts(b, ".notice"); len(n) != 1 {
			t.Errorf("no notice that the reply was sent: %q", n)
		}
		out := texts(b, ".thread .msg-out .text")
		if len(out) != 1 || strings.TrimSpace(out[0]) != analystReply {
			t.Errorf("thread shows the analyst's messages %q, want %q", out, analystReply)
		}
		if files := texts(b, ".thread .msg-out .files a"); len(files) != 1 || files[0] != shotName {
			t.Errorf("reply's files %q, want %s", files, shotName)
		}

		m := site.waitSent(t, "reply to "+joao, func(m sentMail) bool {
			return strings.Contains(m.subject, "["+joao+"]") && m.header.Get("Auto-Submitted") == ""
		})
		if !strings.HasPrefix(m.subject, "Re: ["+joao+"] Cadastro da empresa") {
			t.Errorf("reply's Subject %q", m.subject)
		}
		if to := m.header.Get("To"); !strings.Contains(to, "joao@cliente.com.br") {
			t.Errorf("reply goes To %q", to)
		}
		for _, line := range strings.Split(analystReply, "\n") {
			if !strings.Contains(m.text, line) {
				t.Errorf("reply's text part lacks %q:\n%s", line, m.text)
			}
		}
		if len(m.files) != 1 || m.files[0].name != shotName || m.files[0].contentType != "image/png" || !bytes.Equal(m.files[0].data, shotBytes) {
			for _, f := range m.files {
				t.Logf("attachment %q %s, %d bytes", f.name, f.contentType, len(f.data))
			}
			t.Errorf("reply (%s) has %d attachments, want %s (image/png) with the %d bytes uploaded", filepath.Base(m.path), len(m.files), shotName, len(shotBytes))
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		b := b.For(t)
		site.login(t, b)
		b.Do("open the ticket", chromedp.Navigate(site.base+"/tickets/"+joao))
		shot := browser.Get(b, "screenshot", chromedp.FullScreenshot(100))
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatalf("screenshot is not a PNG: %v", err)
		}
		colours := map[color.Color]bool{}
		r := img.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y += 3 {
			for x := r.Min.X; x < r.Max.X; x += 3 {
				colours[img.At(x, y)] = true
			}
		}
		if r.Dx() < 800 || r.Dy() < 600 || len(colours) < 20 {
			t.Errorf("screenshot is %v with %d colours: the page looks blank", r, len(colours))
		}
		path := filepath.Join(t.TempDir(), "ticket.png")
		if os.Getenv("TICKETGW_SCREENSHOT") != "" {
			path = "/tmp/ticketgw-ticket.png"
		}
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot of /tickets/%s: %s (%v)", joao, path, r)
	})

	t.Run("customer", func(t *testing.T) {
		b := b.For(t)
		conf := site.confirmation(t, maria)
		if to := conf.header.Get("To"); !strings.Contains(to, "maria@cliente.com.br") {
			t.Errorf("confirmation goes To %q", to)
		}
		ticketURL, listURL := site.links(t, conf, maria)

		b.Do("open the deep link", chromedp.Navigate(ticketURL))
		if u := location(t, b); u.Path != "/t/"+maria {
			t.Fatalf("the deep link went to %s, want /t/%s", u, maria)
		}
		if h1 := texts(b, "h1"); len(h1) != 1 || h1[0] != maria+" Nota fiscal não é emitida" {
			t.Errorf("customer page heading %q", h1)
		}
		if in := texts(b, ".thread .msg-in .text"); len(in) != 1 || !strings.Contains(in[0], "A emissão da nota fiscal falha desde ontem às 15h.") {
			t.Errorf("customer page thread %q, want Maria's message", in)
		}
		if n := count(b, "nav.menu, form[action='/logout']"); n != 0 {
			t.Errorf("the customer's page shows the analysts' menu (%d elements)", n)
		}

		b.Do("write the customer's reply", chromedp.SendKeys(chromedp.CSS(`form.reply textarea[name=text]`), customerReply))
		resp := b.Load("send the customer's reply", chromedp.Click(chromedp.CSS(`form.reply button`)))
		if u := location(t, b); resp.Status != 200 || u.Path != "/t/"+maria || u.Query().Get("done") != "customer_reply" {
			t.Fatalf("after the customer's reply: HTTP %d at %s; page: %q", resp.Status, u, texts(b, "main"))
		}
		in := texts(b, ".thread .msg-in .text")
		if len(in) != 2 || strings.TrimSpace(in[1]) != customerReply {
			t.Errorf("customer page thread after the reply %q, want the reply last", in)
		}

		site.login(t, b)
		b.Do("open the ticket as the analyst", chromedp.Navigate(site.base+"/tickets/"+maria))
		if in := texts(b, ".thread .msg-in .text"); len(in) != 2 || strings.TrimSpace(in[1]) != customerReply {
			t.Errorf("analyst's page of %s shows the customer's messages %q, want the reply from the page last", maria, in)
		}

		b.Do("open all my tickets", chromedp.Navigate(listURL))
		if u := location(t, b); u.Path != "/me" {
			t.Fatalf("the list link went to %s", u)
		}
		rows := texts(b, "table.list tbody tr")
		if len(rows) != 1 || !strings.Contains(rows[0], maria) || !strings.Contains(rows[0], "Nota fiscal não é emitida") {
			t.Errorf("/me lists %q, want only %s", rows, maria)
		}
		b.Load("open the ticket from the list", chromedp.Click(chromedp.CSS(`table.list tbody a`)))
		if u, h1 := location(t, b), texts(b, "h1"); u.Path != "/t/"+maria || len(h1) != 1 || h1[0] != maria+" Nota fiscal não é emitida" {
			t.Errorf("the list's link opened %s, headed %q", u, h1)
		}
	})

	t.Run("hostile", func(t *testing.T) {
		b := b.For(t)
		subject := "Socorro " + hostileScript + " " + hostileImg
		plain := "Olá " + hostileScript + "\r\n" + hostileImg + "\r\n" + `<a href="` + hostileLink + `">clique</a> ou ` + hostileLink + "\r\n"
		html := `<html><body><p>Olá</p>` + hostileScript + hostileImg + `<a href="` + hostileLink + `">clique aqui</a>` +
			`<a href=" JAVASCRIPT:window.__pwned=1">ou aqui</a><p onclick="window.__pwned=1">fim</p></body></html>`
		raw := strings.Join([]string{
			`From: "Mallory ` + hostileScript + `" <mallory@cliente.com.br>`,
			"To: suporte@acme.com.br",
			"Subject: " + mimeWord(subject),
			"Date: Mon, 02 Mar 2026 11:00:00 -0300",
			"Message-ID: <hostile-1@cliente.com.br>",
			"MIME-Version: 1.0",
			`Content-Type: multipart/alternative; boundary="alt"`,
			"",
			"--alt",
			"Content-Type: text/plain; charset=utf-8",
			"Content-Transfer-Encoding: 8bit",
			"",
			plain,
			"--alt",
			"Content-Type: text/html; charset=utf-8",
			"Content-Transfer-Encoding: base64",
			"",
			base64.StdEncoding.EncodeToString([]byte(html)),
			"--alt--",
			"",
		}, "\r\n")
		key := site.deliver(t, raw, "created")
		// A reply with an HTML body only: the page shows its text as
		// the converter made it.
		site.deliver(t, strings.Join([]string{
			"From: mallory@cliente.com.br",
			"To: suporte@acme.com.br",
			"Subject: Re: [" + key + "] mais",
			"Message-ID: <hostile-2@cliente.com.br>",
			"MIME-Version: 1.0",
			"Content-Type: text/html; charset=utf-8",
			"",
			html,
		}, "\r\n"), "appended")

		conf := site.confirmation(t, key)
		for _, bad := range []string{"<script", "<img", "onerror=\"", "href=\"javascript", "href=\" JAVASCRIPT"} {
			if strings.Contains(strings.ToLower(conf.html), strings.ToLower(bad)) {
				t.Errorf("the confirmation's HTML carries %s:\n%s", bad, conf.html)
			}
		}
		ticketURL, listURL := site.links(t, conf, key)
		site.login(t, b)

		pages := []struct{ name, url, heading string }{
			{"analyst's queue", site.base + "/tickets", ""},
			{"analyst's ticket page", site.base + "/tickets/" + key, key + " " + subject},
			{"customer's ticket page", ticketURL, key + " " + subject},
			{"customer's list", listURL, ""},
		}
		for _, p := range pages {
			b.Do("open the "+p.name, chromedp.Navigate(p.url))
			checks := map[string]string{
				"typeof window.__pwned":                                                                      "undefined",
				"String(document.scripts.length)":                                                            "0",
				"String(document.images.length)":                                                             "0",
				`String(document.querySelectorAll('a[href*="javascript:" i]').length)`:                       "0",
				`String(document.querySelectorAll('[onerror], [onclick], [onload]').length)`:                 "0",
				`String(document.querySelectorAll('iframe, object, embed, form:not([action^="/"])').length)`: "0",
			}
			for expr, want := range checks {
				if got := browser.Get(b, p.name+": "+expr, chromedp.Evaluate[string](expr)); got != want {
					t.Errorf("%s: %s = %s, want %s", p.name, expr, got, want)
				}
			}
			text := browser.Get(b, p.name+": text", chromedp.Evaluate[string](`document.body.innerText`))
			for _, s := range []string{hostileScript, hostileImg} {
				if !strings.Contains(text, s) {
					t.Errorf("%s does not show %s as text:\n%s", p.name, s, text)
				}
			}
			if p.heading == "" {
				continue
			}
			if title := browser.Get(b, p.name+": title", chromedp.Title()); !strings.Contains(title, hostileScript) {
				t.Errorf("%s: title %q does not show the subject as text", p.name, title)
			}
			if h1 := texts(b, "h1"); len(h1) != 1 || h1[0] != p.heading {
				t.Errorf("%s: heading %q, want %q", p.name, h1, p.heading)
			}
			msgs := texts(b, ".thread .msg-in .text")
			if len(msgs) != 2 || !strings.Contains(msgs[0], hostileLink) || !strings.Contains(msgs[1], "clique aqui") {
				t.Errorf("%s: thread %q, want the plain text (with %s as text) and the HTML reply's text", p.name, msgs, hostileLink)
			}
		}
		// The pages have no script and load nothing missing: anything on
		// the console (an exception, a CSP violation, a failed load) is a
		// fault.
		for _, line := range b.Console() {
			t.Errorf("the browser reported: %s", line)
		}
	})

	if t.Failed() {
		return
	}
	if err := site.srv.terminate(t); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, site.srv.log.tail(20))
	}
	d := showTicket(t, site.cfg, joao)
	last := d.Messages[len(d.Messages)-1]
	if last.Direction != "out" || strings.TrimSpace(last.Text) != analystReply || len(last.Attachments) != 1 ||
		last.Attachments[0].Filename != shotName || last.Attachments[0].Size != int64(len(shotBytes)) {
		t.Errorf("tickets show %s: last message %+v, want the analyst's reply with %s", joao, last, shotName)
	}
	d = showTicket(t, site.cfg, maria)
	last = d.Messages[len(d.Messages)-1]
	if len(d.Messages) != 2 || last.Direction != "in" || strings.TrimSpace(last.Text) != customerReply {
		t.Errorf("tickets show %s: messages %+v, want the customer's reply from the page last", maria, d.Messages)
	}
}
