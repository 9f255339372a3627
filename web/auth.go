package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// Analysts log in with their name and password (made by `ticketgw analyst
// add`). A login is a random session id in an HttpOnly, SameSite=Lax
// cookie (Secure when the base URL is https); the store keeps the session
// under the SHA-256 of the id, so sessions survive a restart of serve and
// a copy of the database lets nobody in. A session ends when unused for
// Options.SessionIdle (12 h), when older than Options.SessionMax (7
// days), or at logout.

const (
	sessionCookie = "tgw_session"
	// loginCookie carries the login form's CSRF token (double submit): there
	// is no session yet to bind it to.
	loginCookie = "tgw_login"
	// touchEvery is how stale a session's LastSeen may get before a page
	// view writes it again: the idle expiry is that much coarse, and
	// reading pages costs no commit each.
	touchEvery = 5 * time.Minute
	// maxFormBody caps a posted form without files.
	maxFormBody = 1 << 20
)

// dummyHash is compared against when the name is unknown, so that the
// answer takes as long as for a known name with a wrong password.
var dummyHash = []byte("$2a$10$aMxnnGO49Br/LvXNyv5leuikJBv8WABpSojFQ6BQYf59sj0EF46aS")

// session is the analyst behind a request.
type session struct {
	analyst string
	csrf    string
	idHash  []byte
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// currentSession finds the live session of the request's cookie; nil when
// there is none or it expired.
func (s *Server) currentSession(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(c.Value))
	var rec tickets.Session
	var a tickets.Analyst
	var ok, exists bool
	var secret []byte
	err = s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if rec, ok, err = v.Session(sum[:]); err != nil || !ok {
			return err
		}
		if a, exists, err = v.Analyst(rec.Analyst); err != nil {
			return err
		}
		secret, err = v.Secret()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if !ok {
		return nil, nil
	}
	if !exists || a.Disabled || a.CredVersion != rec.CredVersion {
		// Removed, disabled, or made before a password change: the
		// session is dead for good.
		if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.DeleteSession(sum[:]) }); err != nil {
			s.opts.Logger.Warn("web: delete revoked session", "error", err)
		}
		return nil, nil
	}
	now := s.opts.Now()
	if now.Sub(rec.LastSeen) >= s.opts.SessionIdle || now.Sub(rec.CreatedAt) >= s.opts.SessionMax {
		if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.DeleteSession(sum[:]) }); err != nil {
			s.opts.Logger.Warn("web: delete expired session", "error", err)
		}
		return nil, nil
	}
	if now.Sub(rec.LastSeen) >= touchEvery {
		rec.LastSeen = now.UTC()
		if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.PutSession(sum[:], rec) }); err != nil {
			s.opts.Logger.Warn("web: refresh session", "error", err)
		}
	}
	return &session{analyst: rec.Analyst, csrf: csrfToken(secret, c.Value), idHash: sum[:]}, nil
}

// page wraps an analyst's page: without a live session the browser goes
// to the login page, and back here after.
func (s *Server) page(h func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.currentSession(r)
		if err != nil {
			s.internal(w, r, nil, err)
			return
		}
		if sess == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	})
}

// action wraps an analyst's post: a live session, the form read within its
// limits, then the Origin and the CSRF token checked before anything
// changes (403 otherwise).
func (s *Server) action(h func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.currentSession(r)
		if err != nil {
			s.internal(w, r, nil, err)
			return
		}
		if sess == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if !s.readForm(w, r, sess, "") {
			return
		}
		if !s.sameOrigin(r) || !tokenEqual(r.PostFormValue("csrf"), sess.csrf) {
			s.opts.Logger.Warn("web: refused a post without a valid CSRF token", "path", r.URL.Path, "analyst", sess.analyst, "origin", r.Header.Get("Origin"))
			s.fail(w, r, sess, http.StatusForbidden, "error.csrf", "")
			return
		}
		h(w, r, sess)
	})
}

// readForm reads a posted form, multipart ones (with files) within the
// attachment policy's bounds, others within maxFormBody. It answers 413 or
// 400 itself when it cannot, with a link back to back.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, sess *session, back string) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(s.opts.Attachments))
		err = s.readMultipart(r) // files streamed to the spool (upload_stream.go)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		err = r.ParseForm()
	}
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.fail(w, r, sess, http.StatusRequestEntityTooLarge, "error.too_large", back)
	} else {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_request", back)
	}
	return false
}

// loginData is the login page's.
type loginData struct {
	chrome
	Name string
	Next string
}

// loginPage is GET /login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	sess, err := s.currentSession(r)
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if sess != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d := loginData{chrome: s.chrome(r, nil, ""), Next: next}
	d.CSRF = s.loginToken(w, r)
	s.render(w, http.StatusOK, templates.PageLogin, d)
}

// loginToken is the login form's CSRF token: the one of the browser's
// login cookie, or a new one set in it.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", MaxAge: 3600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return tok
}

// login is POST /login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, nil, http.StatusBadRequest, "error.bad_request", "/login")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !s.sameOrigin(r) || !tokenEqual(r.PostFormValue("csrf"), c.Value) {
		s.fail(w, r, nil, http.StatusForbidden, "error.csrf", "/login")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	d := loginData{chrome: s.chrome(r, nil, ""), Name: name, Next: next}
	d.CSRF = c.Value
	ip, now := clientIP(r), s.opts.Now()
	attempt, admitted := s.logins.admit(name, ip, now)
	if !admitted {
		s.opts.Logger.Warn("web: login refused, too many failures", "name", logName(name), "ip", ip)
		d.Error = "error.rate_limited"
		s.render(w, http.StatusTooManyRequests, templates.PageLogin, d)
		return
	}
	var a tickets.Analyst
	var ok bool
	if name != "" {
		err = s.store.View(r.Context(), func(v tickets.View) error {
			var err error
			a, ok, err = v.Analyst(name)
			return err
		})
		if err != nil {
			attempt.unchecked()
			s.internal(w, r, nil, err)
			return
		}
	}
	hash := dummyHash
	if ok {
		hash = a.PasswordHash
	}
	if !s.logins.acquire(r.Context()) {
		attempt.unchecked()
		s.opts.Logger.Warn("web: login refused, too many password checks at once", "name", logName(name), "ip", ip)
		w.Header().Set("Retry-After", "5")
		d.Error = "error.internal"
		s.render(w, http.StatusServiceUnavailable, templates.PageLogin, d)
		return
	}
	err = s.opts.ComparePassword(hash, []byte(password))
	s.logins.done()
	if err != nil || !ok || a.Disabled {
		msg := "web: login failed"
		if err == nil && ok {
			msg = "web: login refused, analyst disabled"
		}
		s.opts.Logger.Info(msg, "name", logName(name), "ip", ip)
		d.Error = "error.login"
		s.render(w, http.StatusUnauthorized, templates.PageLogin, d)
		return
	}
	attempt.succeeded()
	sid := randomToken()
	sum := sha256.Sum256([]byte(sid))
	at := now.UTC()
	stale := false
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		// The password was checked against a's record outside this
		// transaction: if it changed meanwhile (a new password, a
		// disable, a removal), no session is made on the old one.
		cur, exists, err := tx.Analyst(a.Name)
		if err != nil {
			return err
		}
		if stale = !exists || cur.Disabled || cur.CredVersion != a.CredVersion; stale {
			return nil
		}
		if _, err := tx.PurgeSessions(at.Add(-s.opts.SessionIdle), at.Add(-s.opts.SessionMax)); err != nil {
			return err
		}
		return tx.PutSession(sum[:], tickets.Session{Analyst: a.Name, CreatedAt: at, LastSeen: at, CredVersion: a.CredVersion})
	})
	if err != nil {
		s.internal(w, r, nil, err)
		return
	}
	if stale {
		s.opts.Logger.Info("web: login refused, the analyst changed meanwhile", "name", logName(name), "ip", ip)
		d.Error = "error.login"
		s.render(w, http.StatusUnauthorized, templates.PageLogin, d)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", MaxAge: int(s.opts.SessionMax / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	s.opts.Logger.Info("web: login", "analyst", a.Name, "ip", ip)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout is POST /logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.DeleteSession(sess.idHash) }); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	seeOther(w, r, "/login", "logged_out")
}

// safeNext keeps a post-login destination on this site: a path, never
// another host ("//evil.example", "https://…", "/\evil").
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "/login") {
		return "/tickets"
	}
	return next
}

// logName is a typed login name as logged: at most maxNameKey bytes, since
// the field takes anything (a password typed in the wrong box included).
func logName(name string) string {
	if len(name) > maxNameKey {
		return name[:maxNameKey] + "…"
	}
	return name
}
