// Package templates holds the email templates of ticketgw and its web
// pages in every supported language, embedded in the binary so that a
// fresh install needs no files, and overridable by an operator from a
// directory so that wording and branding can change without a rebuild.
//
// # Layout
//
// Each notification is a pair of files per language:
//
//	mail/<lang>/<kind>.txt   text/template, the text/plain body
//	mail/<lang>/<kind>.html  html/template, the text/html body
//
// and each language has two more pairs. mail/<lang>/layout.txt|html is the
// document executed: it calls {{template "content" .}}, which every kind
// file must define, and {{template "footer" .}}. mail/<lang>/parts.txt|html
// defines the pieces that the layout and the kinds share ("footer",
// "signature", "links", "actions", "answer", "quotebox", "heading"); a kind
// file may redefine one for itself (the reply redefines "footer"). So an
// operator rebrands every email by overriding the layout alone, and
// rewords a shared sentence in parts.
//
// # What templates see
//
// Dot is a MailData, with StatusLabel and TypeLabel already filled in the
// template's language, and its methods Allows, AnyTooLarge and AnyNotAllowed.
// Functions, in both formats:
//
//	statusLabel STATUS   the status in words, in the template's language
//	typeLabel TYPE       the ticket type in words, likewise
//	join LIST SEP        strings.Join
//
// only in text templates:
//
//	quote TEXT           every line prefixed with "> "
//	indent N TEXT        every line prefixed with N spaces
//
// and only in HTML templates:
//
//	br TEXT              TEXT escaped, line breaks as <br> and runs of
//	                     spaces kept, for mail clients (Outlook) that
//	                     ignore white-space:pre-wrap
//
// HTML templates escape everything by context (html/template); customer and
// analyst text must never be passed through a function returning
// template.HTML other than br.
//
// # Web pages
//
// The web view's pages are one html/template file each, shared by the
// languages, with their words in a label file per language:
//
//	web/layout.html          the document every page is executed in; it
//	                         calls {{template "title" .}} and
//	                         {{template "content" .}}
//	web/parts.html           pieces the pages share ("pager", "thread",
//	                         "history", "announcements")
//	web/<page>.html          one page (see Pages): defines "title" and
//	                         "content"
//	web/<lang>/labels.txt    "key = text" lines, # for comments
//	web/static/style.css     the one style sheet, served as /static/style.css
//
// Page templates see the functions of the mail templates (statusLabel,
// typeLabel, join) and:
//
//	L KEY                    the label KEY in the page's language; an
//	                         unknown key is an error, never an empty string
//	when TIME                a date and time in the language's usual form
//	size BYTES               a size in words (12 KiB)
//
// Every label file must have the same keys as the others, so that an
// override that forgets one fails at start.
//
// # Overrides
//
// New(dir) reads, for every embedded file, the file with the same relative
// path under dir if there is one. Any other file under dir is an error, so
// that a misspelled name does not silently leave the default in place;
// names beginning with "." (editor and VCS files, Kubernetes' ..data links)
// are skipped. All templates are parsed and rendered once with sample data
// at New, so a broken override stops the start instead of the first email.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"
)

// embedded holds the default templates. It is only read.
//
//go:embed mail web
var embedded embed.FS

// Set is a parsed, immutable collection of templates. It is safe for
// concurrent use: build it once at start with New and share it.
type Set struct {
	mail map[string]mailPair // by "<lang>/<kind>"
	web  webSet
	// loc is the zone times are shown in (the pages' "when").
	loc *time.Location
}

type mailPair struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// source is one template file's contents and where they came from, so
// that every error can name the file the operator has to fix.
type source struct {
	body   string
	origin string // "/etc/ticketgw/templates/mail/en/reply.txt" or "embedded mail/en/reply.txt"
}

// New loads the embedded templates, replaced file by file by those found
// under dir when dir is not "", and parses and checks them all.
func New(dir string) (*Set, error) { return NewIn(dir, time.Local) }

// NewIn is New with the times of pages shown in loc: the help desk's zone
// (the configuration's timezone), not the server's, which in a container
// is often UTC.
func NewIn(dir string, loc *time.Location) (*Set, error) {
	if loc == nil {
		loc = time.Local
	}
	files, err := readEmbedded()
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if err := readOverrides(dir, files); err != nil {
			return nil, err
		}
	}
	s := &Set{mail: make(map[string]mailPair), loc: loc}
	for _, lang := range Languages() {
		if err := s.parseMail(lang, files); err != nil {
			return nil, err
		}
	}
	if err := s.parseWeb(files); err != nil {
		return nil, err
	}
	return s, nil
}

func readEmbedded() (map[string]source, error) {
	files := make(map[string]source)
	for _, root := range []string{"mail", "web"} {
		err := fs.WalkDir(embedded, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := embedded.ReadFile(p)
			if err != nil {
				return err
			}
			files[p] = source{body: string(b), origin: "embedded " + p}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("templates: reading embedded templates: %w", err)
		}
	}
	return files, nil
}

// readOverrides replaces entries of files by the files found under dir.
func readOverrides(dir string, files map[string]source) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("templates: override directory: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("templates: override directory %s is not a directory", dir)
	}
	fsys := os.DirFS(dir)
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("templates: reading overrides: %w", err)
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if d.Type()&fs.ModeSymlink != 0 {
			// WalkDir does not follow links; a linked file is read through
			// the link below, but a linked folder would be taken for a file.
			if info, err := fs.Stat(fsys, p); err == nil && info.IsDir() {
				return fmt.Errorf("templates: %s: is a link to a directory; link the override directory itself, or the files one by one", full)
			}
		}
		if _, ok := files[p]; !ok {
			return fmt.Errorf("templates: %s: no embedded template has this name (%s); an override must have the path of one it replaces, such as %s",
				full, p, path.Join("mail", Languages()[0], KindConfirmation+".txt"))
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("templates: %s: %w", full, err)
		}
		files[p] = source{body: string(b), origin: full}
		return nil
	})
}

// parseMail parses the layout, the shared parts and every kind of one
// language, in both formats, and renders each kind with sample data to
// catch the errors that only execution reveals (a misspelled field, an
// html/template context error).
func (s *Set) parseMail(lang string, files map[string]source) error {
	file := func(name string) (string, source, error) {
		p := path.Join("mail", lang, name)
		src, ok := files[p]
		if !ok {
			return p, source{}, fmt.Errorf("templates: embedded %s is missing", p)
		}
		return p, src, nil
	}

	// The roots: layout, then the parts it and the kinds call. Each kind
	// gets a clone, so that a kind redefining "footer" changes only itself.
	p, src, err := file("layout.txt")
	if err != nil {
		return err
	}
	txtShared := src.origin
	txtRoot, err := texttemplate.New(p).Funcs(textFuncs(lang)).Parse(src.body)
	if err != nil {
		return fmt.Errorf("templates: %s: %w", src.origin, err)
	}
	if p, src, err = file("parts.txt"); err != nil {
		return err
	}
	if _, err := txtRoot.New(p).Parse(src.body); err != nil {
		return fmt.Errorf("templates: %s: %w", src.origin, err)
	}
	txtShared += ", " + src.origin
	if p, src, err = file("layout.html"); err != nil {
		return err
	}
	htmlShared := src.origin
	htmlRoot, err := htmltemplate.New(p).Funcs(htmlFuncs(lang)).Parse(src.body)
	if err != nil {
		return fmt.Errorf("templates: %s: %w", src.origin, err)
	}
	if p, src, err = file("parts.html"); err != nil {
		return err
	}
	if _, err := htmlRoot.New(p).Parse(src.body); err != nil {
		return fmt.Errorf("templates: %s: %w", src.origin, err)
	}
	htmlShared += ", " + src.origin

	for _, kind := range Kinds() {
		var pair mailPair
		p, txtSrc, err := file(kind + ".txt")
		if err != nil {
			return err
		}
		if pair.text, err = txtRoot.Clone(); err != nil {
			return fmt.Errorf("templates: %s: %w", txtSrc.origin, err)
		}
		if _, err := pair.text.New(p).Parse(txtSrc.body); err != nil {
			return fmt.Errorf("templates: %s: %w", txtSrc.origin, err)
		}
		if pair.text.Lookup("content") == nil {
			return fmt.Errorf("templates: %s: does not define \"content\" (wrap the body in {{define \"content\"}}...{{end}})", txtSrc.origin)
		}

		p, htmlSrc, err := file(kind + ".html")
		if err != nil {
			return err
		}
		if pair.html, err = htmlRoot.Clone(); err != nil {
			return fmt.Errorf("templates: %s: %w", htmlSrc.origin, err)
		}
		if _, err := pair.html.New(p).Parse(htmlSrc.body); err != nil {
			return fmt.Errorf("templates: %s: %w", htmlSrc.origin, err)
		}
		if pair.html.Lookup("content") == nil {
			return fmt.Errorf("templates: %s: does not define \"content\" (wrap the body in {{define \"content\"}}...{{end}})", htmlSrc.origin)
		}

		// The error from Execute names the template and line at fault by
		// relative path; the message adds where each of the three files
		// came from, so that an override is recognisable.
		for _, d := range samples(lang, kind) {
			if err := pair.text.Execute(io.Discard, d); err != nil {
				return fmt.Errorf("templates: rendering %s (with %s): %w", txtSrc.origin, txtShared, err)
			}
			if err := pair.html.Execute(io.Discard, d); err != nil {
				return fmt.Errorf("templates: rendering %s (with %s): %w", htmlSrc.origin, htmlShared, err)
			}
		}
		s.mail[lang+"/"+kind] = pair
	}
	return nil
}

// Mail renders the notification d.Kind in d.Lang, both bodies. It fills
// d's label fields itself, on its own copy.
func (s *Set) Mail(d MailData) (Rendered, error) {
	lang, ok := canonLang(d.Lang)
	if !ok {
		return Rendered{}, fmt.Errorf("templates: unknown language %q (want one of %s)", d.Lang, strings.Join(Languages(), ", "))
	}
	pair, ok := s.mail[lang+"/"+d.Kind]
	if !ok {
		return Rendered{}, fmt.Errorf("templates: unknown mail kind %q (want one of %s)", d.Kind, strings.Join(Kinds(), ", "))
	}
	d.Lang = lang
	d.StatusLabel = StatusLabel(lang, d.Status)
	d.TypeLabel = TypeLabel(lang, d.Type)
	var txt, html bytes.Buffer
	if err := pair.text.Execute(&txt, d); err != nil {
		return Rendered{}, fmt.Errorf("templates: mail %s/%s text: %w", lang, d.Kind, err)
	}
	if err := pair.html.Execute(&html, d); err != nil {
		return Rendered{}, fmt.Errorf("templates: mail %s/%s html: %w", lang, d.Kind, err)
	}
	return Rendered{Text: txt.String(), HTML: html.String()}, nil
}

// Files lists the relative paths of every embedded template, sorted: the
// names an override directory may use. Operators see it in error messages
// and tools can offer it to copy the defaults.
func Files() []string {
	files, err := readEmbedded()
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	return names
}

// Default returns the embedded text of one template, so that an operator
// can start an override from the shipped version (e.g. a "templates dump"
// command). The path is one of Files.
func Default(p string) ([]byte, error) {
	b, err := embedded.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return b, nil
}

// commonFuncs are the functions both formats share, bound to the language
// of the folder a template lives in, so that a template never has to pass
// the language around.
func commonFuncs(lang string) map[string]any {
	return map[string]any{
		"statusLabel": func(status string) string { return StatusLabel(lang, status) },
		"typeLabel":   func(typ string) string { return TypeLabel(lang, typ) },
		"join":        strings.Join,
	}
}

func textFuncs(lang string) texttemplate.FuncMap {
	m := texttemplate.FuncMap(commonFuncs(lang))
	m["quote"] = func(s string) string { return prefixLines("> ", s) }
	m["indent"] = func(n int, s string) string { return prefixLines(strings.Repeat(" ", n), s) }
	return m
}

func htmlFuncs(lang string) htmltemplate.FuncMap {
	m := htmltemplate.FuncMap(commonFuncs(lang))
	m["br"] = br
	return m
}

// prefixLines puts prefix before every line of s. Empty lines get the
// prefix without its trailing spaces, so that the output has no trailing
// blanks (which some clients and format=flowed treat specially).
func prefixLines(prefix, s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	bare := strings.TrimRight(prefix, " ")
	for i, l := range lines {
		if l == "" {
			lines[i] = bare
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// br renders untrusted plain text as HTML that keeps its shape in every
// mail client: escaped, each line break a <br>, tabs and runs of spaces as
// non-breaking spaces (a single space between words stays breakable, so
// the text still wraps). The output has no newline characters, so it is
// also right inside an element with white-space:pre-wrap.
func br(s string) htmltemplate.HTML {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\t", "    ")
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		prevSpace := true // a space at the start of a line would collapse
		for _, r := range line {
			if r == ' ' {
				if prevSpace {
					b.WriteString("&nbsp;")
				} else {
					b.WriteByte(' ')
				}
				prevSpace = true
				continue
			}
			prevSpace = false
			b.WriteString(htmltemplate.HTMLEscapeString(string(r)))
		}
	}
	return htmltemplate.HTML(b.String()) // safe: every rune above was escaped
}

// samples is the data New renders every template with, once per branch a
// template is likely to take (each status, each refusal reason, optional
// fields empty), so that a mistake in an override shows at start.
func samples(lang, kind string) []MailData {
	full := MailData{
		Lang:           lang,
		Kind:           kind,
		Key:            "SUP-1000",
		Subject:        "Sample",
		Type:           "support",
		Department:     "Support",
		Status:         "open",
		Text:           "Line one\n\nLine  two",
		Summary:        "Summary",
		TicketURL:      "https://example.com/t/SUP-1000?token=x",
		ListURL:        "https://example.com/t?token=x",
		Refused:        []Refused{{Filename: "a.exe"}, {Filename: "b.iso", TooLarge: true}},
		Allowed:        []string{"pdf", "zip"},
		MaxSize:        "8 MiB",
		SupportAddress: "support@example.com",
		SupportName:    "Support",
		AnalystName:    "Analyst",
	}
	var out []MailData
	for _, st := range []string{"open", "in_progress", "waiting_customer", "resolved", "closed", "unknown"} {
		d := full
		d.Status = st
		out = append(out, d)
	}
	bare := MailData{Lang: lang, Kind: kind, SupportAddress: "support@example.com"}
	if kind == KindAttachmentsRefused {
		bare.Refused = []Refused{{Filename: "a.exe"}}
	}
	out = append(out, bare)
	for i := range out {
		out[i].StatusLabel = StatusLabel(lang, out[i].Status)
		out[i].TypeLabel = TypeLabel(lang, out[i].Type)
	}
	return out
}
