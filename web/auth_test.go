package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

func TestLoginAndSessionCookie(t *testing.T) {
	e := newPageEnv(t)
	b := e.browser()
	if a := b.get("/tickets?status=open"); a.code != http.StatusSeeOther || a.h.Get("Location") != "/login?next=%2Ftickets%3Fstatus%3Dopen" {
		t.Fatalf("queue without login: %d %s", a.code, a.h.Get("Location"))
	}
	if a := b.get("/"); a.code != http.StatusSeeOther || a.h.Get("Location") != "/tickets" {
		t.Fatalf("/: %d %s", a.code, a.h.Get("Location"))
	}
	a := b.login("carla", "wrong password")
	if a.code != http.StatusUnauthorized || !strings.Contains(a.body, "Nome ou senha incorretos") || strings.Contains(a.h.Get("Set-Cookie"), "tgw_session=") {
		t.Fatalf("wrong password: %d %v\n%s", a.code, a.h, a.body)
	}
	if a := b.login("nobody", password); a.code != http.StatusUnauthorized {
		t.Fatalf("unknown name: %d", a.code)
	}
	a = b.login("carla", password)
	if a.code != http.StatusSeeOther || a.h.Get("Location") != "/tickets" {
		t.Fatalf("login: %d %s", a.code, a.h.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: a.h}).Cookies() {
		if c.Name == "tgw_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" {
		t.Fatalf("session cookie %+v", cookie)
	}
	// Only a hash of the session id is stored.
	_ = e.st.View(context.Background(), func(v tickets.View) error {
		if _, ok, _ := v.Session([]byte(cookie.Value)); ok {
			t.Error("the session id itself is a key of the store")
		}
		if s, ok, _ := v.Session(sessionHash(cookie.Value)); !ok || s.Analyst != "carla" {
			t.Errorf("session by hash: %+v %v", s, ok)
		}
		return nil
	})
	q := b.get("/tickets")
	if q.code != 200 || !strings.Contains(q.body, "carla") {
		t.Fatalf("queue after login: %d", q.code)
	}
	// A logged-in analyst going to /login is sent on.
	if a := b.get("/login?next=/held"); a.code != http.StatusSeeOther || a.h.Get("Location") != "/held" {
		t.Errorf("login page when logged in: %d %s", a.code, a.h.Get("Location"))
	}
}

func TestLoginNextStaysOnSite(t *testing.T) {
	e := newPageEnv(t)
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""} {
		b := e.browser()
		page := b.get("/login")
		a := b.postForm("/login", url.Values{"csrf": {formToken(t, page.body)}, "name": {"carla"}, "password": {password}, "next": {next}})
		if a.code != http.StatusSeeOther || a.h.Get("Location") != "/tickets" {
			t.Errorf("next=%q: %d %s", next, a.code, a.h.Get("Location"))
		}
	}
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	e := newPageEnv(t, func(o *web.Options) { o.BaseURL = "https://suporte.acme.com.br" })
	b := e.browser()
	page := b.get("/login")
	if !strings.Contains(page.h.Get("Set-Cookie"), "Secure") {
		t.Errorf("login cookie not Secure: %s", page.h.Get("Set-Cookie"))
	}
	a := b.postForm("/login", url.Values{"csrf": {formToken(t, page.body)}, "name": {"carla"}, "password": {password}})
	sc := strings.Join(a.h.Values("Set-Cookie"), "\n")
	if a.code != http.StatusSeeOther || !strings.Contains(sc, "tgw_session=") || !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("https login: %d\n%s", a.code, sc)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newPageEnv(t)
	b := e.browser()
	for i := range 5 {
		if a := b.login("carla", "nope"); a.code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, a.code)
		}
	}
	// The sixth try is refused even with the right password.
	a := b.login("carla", password)
	if a.code != http.StatusTooManyRequests || !strings.Contains(a.body, "Muitas tentativas") {
		t.Fatalf("after 5 failures: %d\n%s", a.code, a.body)
	}
	// After the window, the right password works again.
	e.clock.advance(16 * time.Minute)
	if a := b.login("carla", password); a.code != http.StatusSeeOther {
		t.Fatalf("after the window: %d", a.code)
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	e := newPageEnv(t)
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	names := []string{"n1", "n2", "n3", "n4", "n5"}
	e.update(func(tx tickets.Tx) error {
		for _, n := range names {
			if err := tx.PutAnalyst(tickets.Analyst{Name: n, PasswordHash: hash}); err != nil {
				return err
			}
		}
		return nil
	})
	b := e.browser()
	for _, n := range names { // 4 failures each: under the per-name limit, 20 from this address
		for range 4 {
			if a := b.login(n, "nope"); a.code != http.StatusUnauthorized {
				t.Fatalf("%s: %d", n, a.code)
			}
		}
	}
	if a := b.login("carla", password); a.code != http.StatusTooManyRequests {
		t.Fatalf("21st attempt from one address: %d", a.code)
	}
}

func TestLogout(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	// Logout is a post with the token like any other.
	if a := b.postForm("/logout", url.Values{}); a.code != http.StatusForbidden {
		t.Errorf("logout without token: %d", a.code)
	}
	a := b.post("/logout", nil)
	if a.code != http.StatusSeeOther || a.h.Get("Location") != "/login?done=logged_out" {
		t.Fatalf("logout: %d %s", a.code, a.h.Get("Location"))
	}
	if a := b.get("/tickets"); a.code != http.StatusSeeOther {
		t.Errorf("queue after logout: %d", a.code)
	}
	if a := b.get("/login?done=logged_out"); !strings.Contains(a.body, "Você saiu") {
		t.Error("no logout notice")
	}
}

func TestSessionSurvivesRestartAndExpires(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	e.restart()
	if a := b.get("/tickets"); a.code != 200 {
		t.Fatalf("after restart: %d", a.code)
	}
	// Idle for more than 12 hours: gone.
	e.clock.advance(12*time.Hour + time.Minute)
	if a := b.get("/tickets"); a.code != http.StatusSeeOther {
		t.Fatalf("after 12 h idle: %d", a.code)
	}

	// Used every 11 hours, a session still ends after 7 days.
	b = e.loggedIn()
	for i := 1; i <= 15; i++ {
		e.clock.advance(11 * time.Hour)
		code := b.get("/tickets").code
		if alive := time.Duration(i)*11*time.Hour < 7*24*time.Hour; alive != (code == 200) {
			t.Fatalf("after %d×11 h: %d", i, code)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	path := "/tickets/" + e.a.Key + "/note"
	before := len(e.detail(e.a.Key).Messages)
	for _, tc := range []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"no token", url.Values{"text": {"x"}}, nil},
		{"wrong token", url.Values{"text": {"x"}, "csrf": {"AAAA" + b.csrf[4:]}}, nil},
		{"token of another session", url.Values{"text": {"x"}, "csrf": {e.loggedIn().csrf}}, nil},
		{"foreign origin", url.Values{"text": {"x"}, "csrf": {b.csrf}}, []string{"Origin", "http://evil.example"}},
		{"foreign referer", url.Values{"text": {"x"}, "csrf": {b.csrf}}, []string{"Referer", "http://evil.example/page"}},
		{"null origin", url.Values{"text": {"x"}, "csrf": {b.csrf}}, []string{"Origin", "null"}},
	} {
		if a := b.postForm(path, tc.form, tc.headers...); a.code != http.StatusForbidden {
			t.Errorf("%s: %d", tc.name, a.code)
		}
	}
	for _, p := range []string{"/tickets/" + e.a.Key + "/status", "/customers", "/announcements", "/outbox/1/retry"} {
		if a := b.postForm(p, url.Values{"status": {"closed"}, "email": {"x@y.com"}, "text": {"x"}}); a.code != http.StatusForbidden {
			t.Errorf("%s without token: %d", p, a.code)
		}
	}
	if got := len(e.detail(e.a.Key).Messages); got != before || e.detail(e.a.Key).Status != tickets.StatusOpen {
		t.Fatalf("a refused post changed the ticket: %d messages", got)
	}
	var customers []tickets.Customer
	var ann []tickets.Announcement
	_ = e.st.View(context.Background(), func(v tickets.View) error {
		customers, _ = v.Customers()
		ann, _ = v.Announcements()
		return nil
	})
	if len(customers) != 0 || len(ann) != 0 {
		t.Fatalf("refused posts changed the store: %v %v", customers, ann)
	}
	// The same post with the token and our own origin (or the base URL's,
	// or no origin at all) goes through.
	for _, origin := range []string{e.srv.URL, "http://support.example", ""} {
		f := url.Values{"text": {"ok " + origin}, "csrf": {b.csrf}}
		var h []string
		if origin != "" {
			h = []string{"Origin", origin}
		}
		if a := b.postForm(path, f, h...); a.code != http.StatusSeeOther {
			t.Errorf("origin %q: %d", origin, a.code)
		}
	}
	// A login form posted without the login cookie's token is refused too.
	if a := e.browser().postForm("/login", url.Values{"name": {"carla"}, "password": {password}}); a.code != http.StatusForbidden {
		t.Errorf("login without token: %d", a.code)
	}
}
