package templates

import (
	"bufio"
	"fmt"
	htmltemplate "html/template"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// The web pages, one template file each (web/<page>.html). The web package
// names the page it renders; these constants keep the two from drifting
// apart on spelling.
const (
	PageLogin          = "login"
	PageQueue          = "queue"
	PageTicket         = "ticket"
	PageHeld           = "held"
	PageHeldMessage    = "held_message"
	PageIgnored        = "ignored"
	PageCustomers      = "customers"
	PageOutbox         = "outbox"
	PageAnnouncements  = "announcements"
	PageCustomerTicket = "customer_ticket"
	PageCustomerList   = "customer_list"
	// PageLinkRequest is where a customer asks for a fresh deep link by
	// email: the page of an expired or revoked link, and its answer.
	PageLinkRequest = "link_request"
	PageError       = "error"
)

// Pages lists every web page, so that callers and tests can walk all of
// them. It returns a fresh slice each time: the caller may keep it.
func Pages() []string {
	return []string{PageLogin, PageQueue, PageTicket, PageHeld, PageHeldMessage, PageIgnored, PageCustomers,
		PageOutbox, PageAnnouncements, PageCustomerTicket, PageCustomerList, PageError, PageLinkRequest}
}

// webSet is the parsed web side of a Set.
type webSet struct {
	pages  map[string]*htmltemplate.Template // by "<lang>/<page>"
	labels map[string]map[string]string      // lang → key → text
	static map[string][]byte                 // by file name under web/static
}

// parseWeb reads the label files, checks that every language has the same
// keys, and parses the layout with every page, per language (the label
// function is bound to the language, so a page never passes it around).
func (s *Set) parseWeb(files map[string]source) error {
	s.web = webSet{pages: map[string]*htmltemplate.Template{}, labels: map[string]map[string]string{}, static: map[string][]byte{}}
	origins := map[string]string{}
	for _, lang := range Languages() {
		p := path.Join("web", lang, "labels.txt")
		src, ok := files[p]
		if !ok {
			return fmt.Errorf("templates: embedded %s is missing", p)
		}
		labels, err := parseLabels(src.body)
		if err != nil {
			return fmt.Errorf("templates: %s: %w", src.origin, err)
		}
		s.web.labels[lang], origins[lang] = labels, src.origin
	}
	first := Languages()[0]
	for _, lang := range Languages()[1:] {
		for k := range s.web.labels[first] {
			if _, ok := s.web.labels[lang][k]; !ok {
				return fmt.Errorf("templates: %s: label %q is missing (it is in %s)", origins[lang], k, origins[first])
			}
		}
		for k := range s.web.labels[lang] {
			if _, ok := s.web.labels[first][k]; !ok {
				return fmt.Errorf("templates: %s: label %q is missing (it is in %s)", origins[first], k, origins[lang])
			}
		}
	}
	for p, src := range files {
		if name, ok := strings.CutPrefix(p, "web/static/"); ok {
			s.web.static[name] = []byte(src.body)
		}
	}
	layout, ok := files["web/layout.html"]
	if !ok {
		return fmt.Errorf("templates: embedded web/layout.html is missing")
	}
	for _, lang := range Languages() {
		root, err := htmltemplate.New("web/layout.html").Funcs(webFuncs(lang, s.web.labels[lang], s.loc)).Parse(layout.body)
		if err != nil {
			return fmt.Errorf("templates: %s: %w", layout.origin, err)
		}
		parts, ok := files["web/parts.html"]
		if !ok {
			return fmt.Errorf("templates: embedded web/parts.html is missing")
		}
		if _, err := root.New("web/parts.html").Parse(parts.body); err != nil {
			return fmt.Errorf("templates: %s: %w", parts.origin, err)
		}
		for _, page := range Pages() {
			p := "web/" + page + ".html"
			src, ok := files[p]
			if !ok {
				return fmt.Errorf("templates: embedded %s is missing", p)
			}
			t, err := root.Clone()
			if err != nil {
				return fmt.Errorf("templates: %s: %w", src.origin, err)
			}
			if _, err := t.New(p).Parse(src.body); err != nil {
				return fmt.Errorf("templates: %s: %w", src.origin, err)
			}
			for _, def := range []string{"title", "content"} {
				if t.Lookup(def) == nil {
					return fmt.Errorf("templates: %s: does not define %q (wrap it in {{define %q}}...{{end}})", src.origin, def, def)
				}
			}
			s.web.pages[lang+"/"+page] = t
		}
	}
	return nil
}

// parseLabels reads "key = text" lines; blank lines and lines starting
// with # are skipped. A key given twice is an error: one of the two would
// silently lose.
func parseLabels(body string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("line %d: want \"key = text\"", n)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("line %d: label %q given twice", n, k)
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func webFuncs(lang string, labels map[string]string, loc *time.Location) htmltemplate.FuncMap {
	m := htmltemplate.FuncMap(commonFuncs(lang))
	m["L"] = func(key string) (string, error) {
		v, ok := labels[key]
		if !ok {
			return "", fmt.Errorf("no label %q in web/%s/labels.txt", key, lang)
		}
		return v, nil
	}
	m["when"] = func(t time.Time) string { return formatTime(lang, t.In(loc)) }
	m["size"] = HumanBytes
	return m
}

// formatTime writes a time as people of the language expect it, in its
// own zone; the zero time (never) is "".
func formatTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l, _ := canonLang(lang); l == "pt-BR" {
		return t.Format("02/01/2006 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// HumanBytes writes a size for people: 512 bytes, 12 KiB, 8 MiB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return trimZero(float64(n)/(1<<20)) + " MiB"
	case n >= 1<<10:
		return trimZero(float64(n)/(1<<10)) + " KiB"
	}
	return fmt.Sprintf("%d B", n)
}

func trimZero(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// Page renders the web page name in lang. The caller renders into a buffer
// and writes it out only on success, so that an error never leaves half a
// page behind.
func (s *Set) Page(w io.Writer, lang, name string, data any) error {
	l, ok := canonLang(lang)
	if !ok {
		return fmt.Errorf("templates: unknown language %q (want one of %s)", lang, strings.Join(Languages(), ", "))
	}
	t, ok := s.web.pages[l+"/"+name]
	if !ok {
		return fmt.Errorf("templates: unknown page %q (want one of %s)", name, strings.Join(Pages(), ", "))
	}
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("templates: page %s/%s: %w", l, name, err)
	}
	return nil
}

// Label is one label of the web pages in lang, for words the web package
// writes outside a page (a plain-text error); an unknown key or language
// gives the key back, recognisably.
func (s *Set) Label(lang, key string) string {
	l, _ := canonLang(lang)
	if v, ok := s.web.labels[l][key]; ok {
		return v
	}
	return key
}

// LabelKeys lists the label keys of the web pages, sorted, for tests that
// check every language.
func (s *Set) LabelKeys() []string {
	var keys []string
	for k := range s.web.labels[Languages()[0]] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Static returns a file of web/static (the style sheet), for the web
// server's static route.
func (s *Set) Static(name string) ([]byte, bool) {
	b, ok := s.web.static[name]
	return b, ok
}
