package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
)

// chrome is what every page shows around its content (the layout's part
// of the data): the language, who is logged in, the CSRF token the forms
// post back, the menu section, and the outcome of the last action.
type chrome struct {
	Lang        string
	Analyst     string
	CSRF        string
	Nav         string
	Notice      string // label key
	Error       string // label key
	ErrorDetail string
}

// notices maps the done= parameter of the page an action redirects to
// onto the label that says what was done. Only these keys are shown, so
// the parameter cannot put words of a stranger's choice on the page.
var notices = map[string]string{
	"reply": "notice.reply", "note": "notice.note", "changed": "notice.changed",
	"accepted": "notice.accepted", "discarded": "notice.discarded",
	"customer_added": "notice.customer_added", "customer_removed": "notice.customer_removed",
	"retried": "notice.retried", "posted": "notice.posted", "retired": "notice.retired",
	"logged_out": "notice.logged_out", "customer_reply": "notice.customer_reply",
	"links_revoked": "notice.links_revoked",
}

// chrome makes the layout's data for a request by sess (nil on the
// customers' pages and the login page).
func (s *Server) chrome(r *http.Request, sess *session, nav string) chrome {
	c := chrome{Lang: s.opts.Language, Nav: nav, Notice: notices[r.URL.Query().Get("done")]}
	if sess != nil {
		c.Analyst, c.CSRF = sess.analyst, sess.csrf
	}
	return c
}

// render answers with a page. It renders into a buffer first, so that a
// template error is a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, code int, page string, data any) {
	if s.tpl == nil {
		http.Error(w, "templates unavailable", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := s.tpl.Page(&b, s.opts.Language, page, data); err != nil {
		s.opts.Logger.Error("web: render", "page", page, "error", err)
		http.Error(w, s.tpl.Label(s.opts.Language, "error.internal"), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

// errorPage is a page that only says what went wrong.
type errorPage struct {
	chrome
	Message string // label key
	Back    string // where the "back" link goes
}

// fail answers an analyst's request with an error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, sess *session, code int, label, back string) {
	if back == "" {
		back = "/tickets"
	}
	s.render(w, code, templates.PageError, errorPage{chrome: s.chrome(r, sess, ""), Message: label, Back: back})
}

// internal logs err and answers 500 without its detail.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	s.opts.Logger.Error("web: store", "path", r.URL.Path, "error", err)
	s.fail(w, r, sess, http.StatusInternalServerError, "error.internal", "")
}

// static serves the style sheet.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.tpl == nil || name != "style.css" {
		http.NotFound(w, r)
		return
	}
	b, ok := s.tpl.Static(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// seeOther ends an action: the browser fetches the page anew (so a
// reload does not post twice), with done= naming what was done.
func seeOther(w http.ResponseWriter, r *http.Request, path, done string) {
	if done != "" {
		if strings.ContainsRune(path, '?') {
			path += "&done=" + done
		} else {
			path += "?done=" + done
		}
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// postedText is a form's text field with its line breaks as the store
// keeps them: a browser posts a textarea's line breaks as CRLF (HTML's
// form encoding) while mail is stored with LF, and one ticket's thread,
// JSON and outgoing mail should not mix the two.
func postedText(r *http.Request, name string) string {
	return strings.ReplaceAll(strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n"), "\r", "\n")
}
