package templates

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// sample is the fixed data every golden file is rendered from, with the
// customer's and the analyst's words in the language of the email.
func sample(lang, kind string) MailData {
	d := MailData{
		Lang:           lang,
		Kind:           kind,
		Key:            "SUP-1042",
		Subject:        "Erro ao emitir nota fiscal",
		Type:           "bug",
		Department:     "Suporte",
		Status:         "open",
		Summary:        "Ao clicar em Emitir, o sistema mostra \"erro 500\" e a nota não é gerada.\nAconteceu com a série 2 desde ontem.",
		TicketURL:      "https://suporte.acme.com.br/c/SUP-1042?t=abc123&v=1",
		ListURL:        "https://suporte.acme.com.br/c?t=abc123",
		Allowed:        []string{"pdf", "tar", "gz", "bmp", "gif", "jpg", "jpeg", "png", "zip", "txt"},
		MaxSize:        "8 MiB",
		SupportAddress: "suporte@acme.com.br",
		SupportName:    "Suporte ACME",
	}
	if lang == "en" {
		d.Subject = "Invoice fails to issue"
		d.Department = "Support"
		d.Summary = "When I click Issue, the system shows \"error 500\" and no invoice is created.\nIt has happened with series 2 since yesterday."
		d.SupportAddress = "support@acme.example"
		d.SupportName = "ACME Support"
	}
	switch kind {
	case KindReply:
		d.Status = "waiting_customer"
		d.AnalystName = "Ana Souza"
		d.Text = replyText(lang)
		d.Summary = strings.SplitN(d.Text, "\n", 2)[0]
	case KindStatus:
		d.Status = "resolved"
	case KindAttachmentsRefused:
		d.Refused = []Refused{{Filename: "instalador.exe"}, {Filename: "tela-gravada.mp4", TooLarge: true}}
	case KindUnknownSender:
		d.Key, d.Type, d.Department, d.Status, d.TicketURL, d.ListURL = "", "", "", "", "", ""
	case KindTicketLink:
		d.Summary, d.ListURL = "", ""
	case KindListLink:
		d.Key, d.Subject, d.Type, d.Department, d.Status, d.Summary, d.TicketURL = "", "", "", "", "", "", ""
	}
	return d
}

// replyText is an analyst's reply with blank lines and indentation, which
// both bodies must keep.
func replyText(lang string) string {
	if lang == "en" {
		return "Hi Mary,\n\nThanks for letting us know. We fixed the numbering of series 2:\n\n  1. Open Settings > Invoices\n  2. Click Reprocess\n\nCould you try again and tell us if it works?"
	}
	return "Olá, Maria!\n\nObrigada pelo aviso. Corrigimos a numeração da série 2:\n\n  1. Abra Configurações > Notas\n  2. Clique em Reprocessar\n\nPode testar e nos dizer se funcionou?"
}

func newSet(t *testing.T, dir string) *Set {
	t.Helper()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGolden(t *testing.T) {
	s := newSet(t, "")
	for _, lang := range Languages() {
		for _, kind := range Kinds() {
			r, err := s.Mail(sample(lang, kind))
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, kind, err)
			}
			for ext, got := range map[string]string{".txt": r.Text, ".html": r.HTML} {
				file := filepath.Join("testdata", "golden", lang, kind+ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test ./templates/ -run TestGolden -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file (run with -update after checking the change):\n%s", file, firstDiff(string(want), got))
				}
			}
		}
	}
}

// firstDiff shows the first differing line, enough to find a change.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + wl + "\n  got: " + gl
		}
	}
	return "(same lines, different line endings?)"
}

// TestEveryKindShowsWhatTheCustomerNeeds checks, independently of the
// wording, the promises of every notification: the key, the summary, both
// links and how to answer (and for unknown_sender, the summary and the
// address to ask for registration, without links).
func TestEveryKindShowsWhatTheCustomerNeeds(t *testing.T) {
	s := newSet(t, "")
	for _, lang := range Languages() {
		for _, kind := range Kinds() {
			d := sample(lang, kind)
			r, err := s.Mail(d)
			if err != nil {
				t.Fatal(err)
			}
			for format, body := range map[string]string{"text": r.Text, "html": r.HTML} {
				name := lang + "/" + kind + " " + format
				link := func(u string) string {
					if format == "html" {
						return strings.ReplaceAll(u, "&", "&amp;")
					}
					return u
				}
				if kind == KindUnknownSender {
					for _, must := range []string{d.SupportAddress, d.Summary[:20]} {
						if !strings.Contains(body, must) {
							t.Errorf("%s: missing %q", name, must)
						}
					}
					if strings.Contains(body, "https://") {
						t.Errorf("%s: has a link, but there is no ticket", name)
					}
					continue
				}
				must := []string{d.Key, "[" + d.Key + "]", link(d.TicketURL), link(d.ListURL)}
				switch kind {
				case KindTicketLink: // the link asked for, and nothing of the thread
					must = []string{d.Key, link(d.TicketURL)}
				case KindListLink:
					must = []string{link(d.ListURL)}
				case KindReply:
					must = append(must, d.Summary, "Ana Souza", StatusLabel(lang, d.Status))
				default:
					must = append(must, d.Summary[:20])
				}
				for _, m := range must {
					if m != "" && !strings.Contains(body, m) {
						t.Errorf("%s: missing %q", name, m)
					}
				}
				if format == "text" {
					for _, u := range []string{d.TicketURL, d.ListURL} {
						if u != "" && !strings.Contains(body, "\n"+u+"\n") {
							t.Errorf("%s: link %s is not on a line of its own", name, u)
						}
					}
				}
			}
		}
	}
}

// TestHTMLIsPlainEnoughForMailClients checks the rules that keep the HTML
// safe and robust in Gmail and Outlook.
func TestHTMLIsPlainEnoughForMailClients(t *testing.T) {
	s := newSet(t, "")
	for _, lang := range Languages() {
		for _, kind := range Kinds() {
			r, err := s.Mail(sample(lang, kind))
			if err != nil {
				t.Fatal(err)
			}
			low := strings.ToLower(r.HTML)
			for _, bad := range []string{"<script", "<style", "<link", "class=", "src=", "<img", "@import", "url("} {
				if strings.Contains(low, bad) {
					t.Errorf("%s/%s: HTML contains %q", lang, kind, bad)
				}
			}
			if !strings.Contains(r.HTML, `<html lang="`+lang+`">`) || !strings.Contains(r.HTML, "max-width:600px") {
				t.Errorf("%s/%s: not the layout", lang, kind)
			}
		}
	}
}

func TestReplyKeepsTheTextWhole(t *testing.T) {
	s := newSet(t, "")
	for _, lang := range Languages() {
		d := sample(lang, KindReply)
		r, err := s.Mail(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Text, d.Text+"\n") {
			t.Errorf("%s text does not start with the reply, whole:\n%s", lang, r.Text)
		}
		want := map[string]string{
			"pt-BR": "Olá, Maria!<br><br>Obrigada pelo aviso. Corrigimos a numeração da série 2:<br><br>&nbsp;&nbsp;1. Abra Configurações &gt; Notas<br>",
			"en":    "Hi Mary,<br><br>Thanks for letting us know. We fixed the numbering of series 2:<br><br>&nbsp;&nbsp;1. Open Settings &gt; Invoices<br>",
		}[lang]
		if !strings.Contains(r.HTML, want) {
			t.Errorf("%s HTML does not keep the lines and the indentation of the reply:\n%s", lang, r.HTML)
		}
	}
}

func TestHostileTextIsEscaped(t *testing.T) {
	s := newSet(t, "")
	hostile := []string{`<script>alert(1)</script>`, `"><img onerror=x>`, `'><svg onload=x>`}
	for _, lang := range Languages() {
		for _, kind := range Kinds() {
			for _, h := range hostile {
				d := sample(lang, kind)
				d.Text, d.Summary, d.Subject, d.Department = h, h, h, h
				d.AnalystName, d.SupportName, d.Key = h, h, h
				d.Refused = []Refused{{Filename: h}, {Filename: h, TooLarge: true}}
				d.Allowed = []string{h}
				d.MaxSize = h
				d.TicketURL = "javascript:alert(1)"
				d.ListURL = `https://x.example/"><img onerror=x>`
				r, err := s.Mail(d)
				if err != nil {
					t.Fatal(err)
				}
				low := strings.ToLower(r.HTML)
				for _, bad := range []string{h, "<script", "<img", "<svg", "javascript:"} {
					if strings.Contains(low, bad) {
						t.Errorf("%s/%s: HTML contains %q unescaped", lang, kind, bad)
					}
				}
			}
		}
	}
}

func TestStatusExplainsEachStatus(t *testing.T) {
	s := newSet(t, "")
	reopen := map[string]string{"pt-BR": "será reaberto", "en": "reopen"}
	for _, lang := range Languages() {
		seen := map[string]bool{}
		for _, st := range []string{"open", "in_progress", "waiting_customer", "resolved", "closed"} {
			d := sample(lang, KindStatus)
			d.Status = st
			r, err := s.Mail(d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Text, StatusLabel(lang, st)) || !strings.Contains(r.HTML, StatusLabel(lang, st)) {
				t.Errorf("%s/%s: the label %q is missing", lang, st, StatusLabel(lang, st))
			}
			if seen[r.Text] {
				t.Errorf("%s/%s: same text as another status", lang, st)
			}
			seen[r.Text] = true
			closing := st == "resolved" || st == "closed"
			if strings.Contains(r.Text, reopen[lang]) != closing || strings.Contains(r.HTML, reopen[lang]) != closing {
				t.Errorf("%s/%s: reopening explained = %v, want %v", lang, st, !closing, closing)
			}
		}
	}
}

func TestAttachmentsRefusedReasons(t *testing.T) {
	s := newSet(t, "")
	for _, lang := range Languages() {
		// Only a type refused, zip not allowed: the allowed list, no size
		// limit, no .zip advice.
		d := sample(lang, KindAttachmentsRefused)
		d.Refused = []Refused{{Filename: "a.exe"}}
		d.Allowed = []string{"pdf", "png"}
		r, err := s.Mail(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{r.Text, r.HTML} {
			if !strings.Contains(body, "pdf, png") || strings.Contains(body, "8 MiB") || strings.Contains(body, ".zip") {
				t.Errorf("%s type-only refusal:\n%s", lang, body)
			}
		}
		// Only a size refused: the limit, no list of types.
		d.Refused = []Refused{{Filename: "big.pdf", TooLarge: true}}
		if r, err = s.Mail(d); err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{r.Text, r.HTML} {
			if strings.Contains(body, "pdf, png") || !strings.Contains(body, "8 MiB") || !strings.Contains(body, "big.pdf") {
				t.Errorf("%s size-only refusal:\n%s", lang, body)
			}
		}
	}
}

func TestUnknownLangOrKind(t *testing.T) {
	s := newSet(t, "")
	for _, d := range []MailData{
		{Lang: "fr", Kind: KindReply},
		{Lang: "", Kind: KindReply},
		{Lang: "en", Kind: "confirmaton"},
		{Lang: "en", Kind: "layout"},
		{Lang: "en", Kind: ""},
	} {
		if _, err := s.Mail(d); err == nil {
			t.Errorf("Mail(%q, %q): no error", d.Lang, d.Kind)
		}
	}
	// Language tags are case-insensitive.
	d := sample("pt-br", KindConfirmation)
	r, err := s.Mail(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `lang="pt-BR"`) || !strings.Contains(r.Text, "Reportar bug") {
		t.Errorf("pt-br did not select pt-BR:\n%s", r.Text)
	}
}

func TestMailDoesNotChangeTheCallersData(t *testing.T) {
	s := newSet(t, "")
	d := sample("en", KindStatus)
	if _, err := s.Mail(d); err != nil {
		t.Fatal(err)
	}
	if d.StatusLabel != "" || d.TypeLabel != "" {
		t.Errorf("labels leaked into the caller's copy: %q %q", d.StatusLabel, d.TypeLabel)
	}
}

func mustDefault(t *testing.T, p string) string {
	t.Helper()
	b, err := Default(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, dir, rel, body string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "mail/en/confirmation.txt", `{{define "content"}}Custom {{.Key}} {{.TypeLabel}} {{typeLabel "support"}}{{end}}`)
	writeFile(t, dir, "mail/pt-BR/layout.html", `<p>ACME</p>{{template "content" .}}`)
	writeFile(t, dir, ".git/config", "ignored")
	writeFile(t, dir, "mail/en/.confirmation.txt.swp", "ignored")
	s := newSet(t, dir)

	r, err := s.Mail(sample("en", KindConfirmation))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Custom SUP-1042 Bug report Technical support\n") {
		t.Errorf("en text not overridden:\n%s", r.Text)
	}
	if !strings.Contains(r.HTML, "max-width:600px") {
		t.Errorf("en HTML should stay the default")
	}
	r, err = s.Mail(sample("pt-BR", KindConfirmation))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.HTML, "<p>ACME</p>") || !strings.Contains(r.HTML, "Recebemos sua solicitação") {
		t.Errorf("pt-BR layout not overridden:\n%s", r.HTML)
	}
	if !strings.Contains(r.Text, "Olá!") {
		t.Errorf("pt-BR text should stay the default")
	}
}

func TestOverrideErrorsNameTheFile(t *testing.T) {
	for _, tc := range []struct {
		name, rel, body, want string
	}{
		{"unknown file", "mail/en/confirmaton.txt", "x", "no embedded template"},
		{"unknown folder", "mail/pt/reply.txt", "x", "no embedded template"},
		{"parse error", "mail/pt-BR/reply.html", `{{define "content"}}{{.Text{{end}}`, ""},
		{"unknown function", "mail/en/status.txt", `{{define "content"}}{{nope .Key}}{{end}}`, "nope"},
		{"no content", "mail/en/status.html", `<p>{{.Key}}</p>`, `"content"`},
		{"unknown field", "mail/en/reply.txt", `{{define "content"}}{{.Costumer}}{{end}}`, "Costumer"},
		{"html context error", "mail/en/reply.html", `{{define "content"}}<a href="{{.TicketURL}}>{{end}}`, ""},
		{"unknown field in the layout", "mail/pt-BR/layout.txt", `{{template "content" .}}{{.Empresa}}`, "Empresa"},
		{"unknown template in the parts", "mail/en/parts.html", strings.Replace(mustDefault(t, "mail/en/parts.html"), `{{template "signature" .}}`, `{{template "nope" .}}`, 1), "nope"},
		{"parts missing a piece", "mail/en/parts.txt", `{{define "answer"}}{{.Key}}{{end}}`, "not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, tc.rel, tc.body)
			_, err := New(dir)
			if err == nil {
				t.Fatal("New: no error")
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s (and %q)", err, p, tc.want)
			}
		})
	}
	if _, err := New(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("New with a missing directory: no error")
	}
	notDir := writeFile(t, t.TempDir(), "file", "x")
	if _, err := New(notDir); err == nil || !strings.Contains(err.Error(), notDir) {
		t.Errorf("New with a file for a directory: %v", err)
	}
}

func TestConcurrentMail(t *testing.T) {
	s := newSet(t, "")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, lang := range Languages() {
				for _, kind := range Kinds() {
					if _, err := s.Mail(sample(lang, kind)); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestLabels(t *testing.T) {
	for _, tc := range []struct{ lang, status, want string }{
		{"pt-BR", "open", "Aberto"},
		{"pt-BR", "in_progress", "Em atendimento"},
		{"pt-BR", "waiting_customer", "Aguardando cliente"},
		{"pt-BR", "resolved", "Resolvido"},
		{"pt-BR", "closed", "Fechado"},
		{"en", "open", "Open"},
		{"en", "in_progress", "In progress"},
		{"en", "waiting_customer", "Waiting for customer"},
		{"en", "resolved", "Resolved"},
		{"en", "closed", "Closed"},
		{"pt-br", "closed", "Fechado"},
		{"en", "archived", "archived"},
		{"fr", "open", "open"},
	} {
		if got := StatusLabel(tc.lang, tc.status); got != tc.want {
			t.Errorf("StatusLabel(%q, %q) = %q, want %q", tc.lang, tc.status, got, tc.want)
		}
	}
	for _, tc := range []struct{ lang, typ, want string }{
		{"pt-BR", "bug", "Reportar bug"},
		{"pt-BR", "support", "Suporte técnico"},
		{"pt-BR", "improvement", "Sugerir melhoria"},
		{"en", "bug", "Bug report"},
		{"en", "support", "Technical support"},
		{"en", "improvement", "Improvement suggestion"},
		{"en", "question", "question"},
		{"", "bug", "bug"},
	} {
		if got := TypeLabel(tc.lang, tc.typ); got != tc.want {
			t.Errorf("TypeLabel(%q, %q) = %q, want %q", tc.lang, tc.typ, got, tc.want)
		}
	}
	if l := Languages(); len(l) != 2 || l[0] != "pt-BR" || l[1] != "en" {
		t.Errorf("Languages() = %v", l)
	}
}

func TestFilesAndDefault(t *testing.T) {
	files := Files()
	var mail, web int
	for _, f := range files {
		switch {
		case strings.HasPrefix(f, "mail/"):
			mail++
		case strings.HasPrefix(f, "web/"):
			web++
		}
	}
	// mail: a pair per kind, layout and parts, per language; web: a file
	// per page, layout, parts, the style sheet and a label file per language.
	if mail != len(Languages())*(len(Kinds())+2)*2 || web != len(Pages())+3+len(Languages()) || mail+web != len(files) {
		t.Errorf("Files() = %d files: %v", len(files), files)
	}
	for _, f := range files {
		if _, err := Default(f); err != nil {
			t.Error(err)
		}
	}
	if _, err := Default("mail/en/nope.txt"); err == nil {
		t.Error("Default of a missing file: no error")
	}
}

func TestOverrideThroughLinks(t *testing.T) {
	real := t.TempDir()
	writeFile(t, real, "status.txt", `{{define "content"}}Linked {{.StatusLabel}}{{end}}`)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "mail", "en"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(real, "status.txt"), filepath.Join(dir, "mail", "en", "status.txt")); err != nil {
		t.Fatal("symbolic link:", err)
	}
	r, err := newSet(t, dir).Mail(sample("en", KindStatus))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Linked Resolved\n") {
		t.Errorf("linked file not used:\n%s", r.Text)
	}

	dir2 := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "mail"), filepath.Join(dir2, "mail")); err != nil {
		t.Fatal(err)
	}
	if _, err := New(dir2); err == nil || !strings.Contains(err.Error(), filepath.Join(dir2, "mail")) {
		t.Errorf("linked directory: %v", err)
	}
}
