package templates

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWebLabelsInEveryLanguage(t *testing.T) {
	s := newSet(t, "")
	keys := s.LabelKeys()
	if len(keys) < 50 {
		t.Fatalf("only %d labels", len(keys))
	}
	for _, k := range keys {
		en, pt := s.Label("en", k), s.Label("pt-BR", k)
		if en == "" || pt == "" || en == k || pt == k {
			t.Errorf("label %q: en %q, pt-BR %q", k, en, pt)
		}
	}
	for _, tc := range []struct{ lang, key, want string }{
		{"pt-BR", "login.submit", "Entrar"},
		{"en", "login.submit", "Log in"},
		{"pt-br", "msg.note", "Nota interna"},
		{"en", "msg.note", "Internal note"},
		{"en", "no.such.key", "no.such.key"},
	} {
		if got := s.Label(tc.lang, tc.key); got != tc.want {
			t.Errorf("Label(%q, %q) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
	if css, ok := s.Static("style.css"); !ok || !bytes.Contains(css, []byte(".msg-note")) {
		t.Error("no style sheet")
	}
}

type pageData struct {
	Lang, Analyst, CSRF, Nav, Notice, Error, ErrorDetail string
	Message, Back                                        string
	Name, Next                                           string
}

func TestPageRendersEscapedInItsLanguage(t *testing.T) {
	s := newSet(t, "")
	for lang, want := range map[string]string{"pt-BR": "Entrada de analistas", "en": "Analyst login"} {
		var b bytes.Buffer
		d := pageData{Lang: lang, CSRF: "tok", Name: `"><script>alert(1)</script>`, Next: "/tickets"}
		if err := s.Page(&b, lang, PageLogin, d); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, want) || !strings.Contains(out, `lang="`+lang+`"`) || strings.Contains(out, "<script>") || !strings.Contains(out, `href="/static/style.css"`) {
			t.Errorf("%s login page:\n%s", lang, out)
		}
	}
	var b bytes.Buffer
	if err := s.Page(&b, "fr", PageLogin, pageData{}); err == nil {
		t.Error("unknown language: no error")
	}
	if err := s.Page(&b, "en", "nope", pageData{}); err == nil {
		t.Error("unknown page: no error")
	}
}

func TestWebOverrides(t *testing.T) {
	dir := t.TempDir()
	en := strings.Replace(mustDefault(t, "web/en/labels.txt"), "login.submit = Log in", "login.submit = Sign in", 1)
	writeFile(t, dir, "web/en/labels.txt", en)
	writeFile(t, dir, "web/static/style.css", "body{color:red}")
	s := newSet(t, dir)
	if s.Label("en", "login.submit") != "Sign in" || s.Label("pt-BR", "login.submit") != "Entrar" {
		t.Error("label override not applied")
	}
	if css, _ := s.Static("style.css"); string(css) != "body{color:red}" {
		t.Errorf("style sheet override: %q", css)
	}
	for _, tc := range []struct{ name, rel, body, want string }{
		{"missing label", "web/en/labels.txt", "app.name = X\n", "is missing"},
		{"duplicate label", "web/pt-BR/labels.txt", mustDefault(t, "web/pt-BR/labels.txt") + "app.name = Y\n", "twice"},
		{"bad line", "web/pt-BR/labels.txt", "just words\n", "key = text"},
		{"no content", "web/queue.html", `{{define "title"}}x{{end}}`, `"content"`},
		{"parse error", "web/ticket.html", `{{define "content"}}{{.T.Key{{end}}`, ""},
		{"unknown function", "web/held.html", `{{define "title"}}{{nope}}{{end}}{{define "content"}}{{end}}`, "nope"},
		{"unknown file", "web/tickets.html", "x", "no embedded template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, tc.rel, tc.body)
			_, err := New(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), p) && tc.name != "missing label" {
				t.Errorf("error %q does not name %s", err, p)
			}
		})
	}
}

func TestUnknownLabelFailsTheRender(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "web/error.html", `{{define "title"}}{{L "no.such"}}{{end}}{{define "content"}}{{end}}`)
	s := newSet(t, dir)
	var b bytes.Buffer
	if err := s.Page(&b, "en", PageError, pageData{}); err == nil || !strings.Contains(err.Error(), "no.such") {
		t.Errorf("render with an unknown label: %v", err)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB", 8 << 20: "8 MiB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestTimesInTheHelpDesksZone: pages show times in the configured zone,
// in each language's format, whatever the server's zone.
func TestTimesInTheHelpDesksZone(t *testing.T) {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewIn("", sp)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 18, 32, 0, 0, time.UTC)
	for lang, want := range map[string]string{"pt-BR": "01/12/2026 15:32", "en": "2026-12-01 15:32"} {
		when := webFuncs(lang, nil, s.loc)["when"].(func(time.Time) string)
		if got := when(at); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if got := when(time.Time{}); got != "" {
			t.Errorf("%s: the zero time is %q, want nothing", lang, got)
		}
	}
}
