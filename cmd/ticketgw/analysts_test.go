package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

func TestAnalystCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	if r := runBinary(t, []byte("curta\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 64 || !strings.Contains(r.stderr, "at least 10") {
		t.Fatalf("short password: %d %q", r.code, r.stderr)
	}
	if r := runBinary(t, []byte("uma senha longa e boa\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.stderr)
	}
	tok := runBinary(t, nil, "analyst", "token", "-config", cfg, "carla")
	token := strings.TrimSpace(tok.stdout)
	if tok.code != 0 || !strings.HasPrefix(token, "tgw_") || len(token) < 40 {
		t.Fatalf("token: %d %q %q", tok.code, tok.stdout, tok.stderr)
	}
	if r := runBinary(t, nil, "analyst", "token", "-config", cfg, "ninguem"); r.code != 1 {
		t.Fatalf("token for nobody: %d %q", r.code, r.stderr)
	}
	if r := runBinary(t, nil, "analyst", "list", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, "carla") {
		t.Fatalf("list: %d %q", r.code, r.stdout)
	}
	st, err := tickets.Open(filepath.Join(dir, "data", storeFile), tickets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_ = st.View(context.Background(), func(v tickets.View) error {
		a, ok, _ := v.Analyst("carla")
		if !ok || bcrypt.CompareHashAndPassword(a.PasswordHash, []byte("uma senha longa e boa")) != nil {
			t.Errorf("stored password does not verify: %+v", a)
		}
		sum := sha256.Sum256([]byte(token))
		if name, ok, _ := v.TokenAnalyst(sum[:]); !ok || name != "carla" {
			t.Errorf("token not stored as its hash")
		}
		return nil
	})
}

// webOver serves the web view over the store at path for one check, as a
// serve started after the command would.
func webOver(t *testing.T, path string, fn func(srv *httptest.Server)) {
	t.Helper()
	st, err := tickets.Open(path, tickets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(web.New(st, web.Options{BaseURL: "http://support.example"}))
	defer srv.Close()
	fn(srv)
}

// status is the answer to GET path with a bearer token or a session cookie.
func status(t *testing.T, srv *httptest.Server, path, bearer, cookie string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if cookie != "" {
		req.Header.Set("Cookie", "tgw_session="+cookie)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAnalystTokensDisableRemove(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	db := filepath.Join(dir, "data", storeFile)
	if r := runBinary(t, []byte("uma senha longa e boa\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.stderr)
	}
	// Today's form: a token that works, for 90 days.
	plain := runBinary(t, nil, "analyst", "token", "-config", cfg, "carla")
	if plain.code != 0 || !strings.Contains(plain.stderr, time.Now().Add(90*24*time.Hour).Format("2006-01-02")) {
		t.Fatalf("token: %d %q", plain.code, plain.stderr)
	}
	ro := runBinary(t, nil, "analyst", "token", "-config", cfg, "carla", "-label", "painel", "-expires", "never", "-read-only")
	if ro.code != 0 || !strings.Contains(ro.stderr, "read-only") || !strings.Contains(ro.stderr, "never") {
		t.Fatalf("read-only token: %d %q", ro.code, ro.stderr)
	}
	for _, bad := range []string{"0d", "soon", "-1h"} {
		if r := runBinary(t, nil, "analyst", "token", "-config", cfg, "carla", "-expires", bad); r.code != 64 {
			t.Errorf("-expires %s: %d %q", bad, r.code, r.stderr)
		}
	}
	plainTok, roTok := strings.TrimSpace(plain.stdout), strings.TrimSpace(ro.stdout)

	// A token stored as before this change, and a session made under the
	// current password.
	legacy := "tgw_legacy-token-of-carla"
	b, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(legacy))
	if err := b.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("tokens")).Put(sum[:], []byte("carla")) }); err != nil {
		t.Fatal(err)
	}
	b.Close()
	const cookie = "a-session-id-of-carla"
	st, err := tickets.Open(db, tickets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	csum := sha256.Sum256([]byte(cookie))
	now := time.Now()
	if err := st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.PutSession(csum[:], tickets.Session{Analyst: "carla", CreatedAt: now, LastSeen: now})
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	list := runBinary(t, nil, "analyst", "tokens", "-config", cfg, "carla")
	if list.code != 0 || !strings.Contains(list.stdout, "painel") || !strings.Contains(list.stdout, "read-only") || !strings.Contains(list.stdout, "never (legacy)") || strings.Count(list.stdout, "\n") != 4 {
		t.Fatalf("tokens: %d %s %s", list.code, list.stdout, list.stderr)
	}
	for _, secret := range []string{plainTok, roTok, legacy, plainTok[4:20]} {
		if strings.Contains(list.stdout, secret) {
			t.Fatalf("the listing shows a secret:\n%s", list.stdout)
		}
	}
	webOver(t, db, func(srv *httptest.Server) {
		for _, tok := range []string{plainTok, roTok, legacy} {
			if code := status(t, srv, "/api/tickets", tok, ""); code != 200 {
				t.Errorf("token %s: %d", tok, code)
			}
		}
		if code := status(t, srv, "/tickets", "", cookie); code != 200 {
			t.Errorf("session: %d", code)
		}
	})

	// Revoke the legacy token by the id the listing shows.
	legacyID := tickets.TokenID(sum[:])
	if r := runBinary(t, nil, "analyst", "token", "revoke", legacyID, "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, "revoked") {
		t.Fatalf("revoke: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, nil, "analyst", "token", "revoke", legacyID, "-config", cfg); r.code != 1 || !strings.Contains(r.stderr, "no token") {
		t.Fatalf("revoke twice: %d %q", r.code, r.stderr)
	}
	// A password change ends the session; the tokens stay.
	if r := runBinary(t, []byte("outra senha longa e boa\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 0 || !strings.Contains(r.stdout, "sessions have ended") {
		t.Fatalf("password change: %d %q %q", r.code, r.stdout, r.stderr)
	}
	webOver(t, db, func(srv *httptest.Server) {
		if code := status(t, srv, "/api/tickets", legacy, ""); code != http.StatusUnauthorized {
			t.Errorf("revoked legacy token: %d", code)
		}
		if code := status(t, srv, "/tickets", "", cookie); code != http.StatusSeeOther {
			t.Errorf("session after the password change: %d", code)
		}
		if code := status(t, srv, "/api/tickets", plainTok, ""); code != 200 {
			t.Errorf("token after the password change: %d", code)
		}
	})

	// Disable stops the tokens; enable brings them back.
	if r := runBinary(t, nil, "analyst", "disable", "-config", cfg, "carla"); r.code != 0 {
		t.Fatalf("disable: %d %q", r.code, r.stderr)
	}
	if r := runBinary(t, nil, "analyst", "list", "-config", cfg); !strings.Contains(r.stdout, "disabled") {
		t.Fatalf("list after disable: %q", r.stdout)
	}
	webOver(t, db, func(srv *httptest.Server) {
		if code := status(t, srv, "/api/tickets", plainTok, ""); code != http.StatusUnauthorized {
			t.Errorf("token of a disabled analyst: %d", code)
		}
	})
	if r := runBinary(t, nil, "analyst", "enable", "-config", cfg, "carla"); r.code != 0 {
		t.Fatalf("enable: %d %q", r.code, r.stderr)
	}
	webOver(t, db, func(srv *httptest.Server) {
		if code := status(t, srv, "/api/tickets", plainTok, ""); code != 200 {
			t.Errorf("token after enable: %d", code)
		}
	})

	// Remove ends everything.
	if r := runBinary(t, nil, "analyst", "remove", "-config", cfg, "carla"); r.code != 0 || !strings.Contains(r.stdout, "2 tokens revoked") {
		t.Fatalf("remove: %d %q %q", r.code, r.stdout, r.stderr)
	}
	webOver(t, db, func(srv *httptest.Server) {
		for _, tok := range []string{plainTok, roTok} {
			if code := status(t, srv, "/api/tickets", tok, ""); code != http.StatusUnauthorized {
				t.Errorf("token of a removed analyst: %d", code)
			}
		}
	})
	for _, sub := range []string{"remove", "disable", "enable", "tokens"} {
		if r := runBinary(t, nil, "analyst", sub, "-config", cfg, "carla"); r.code != 1 || !strings.Contains(r.stderr, "no analyst carla") {
			t.Errorf("%s of a removed analyst: %d %q", sub, r.code, r.stderr)
		}
	}
	if r := runBinary(t, nil, "analyst", "list", "-config", cfg); strings.Contains(r.stdout, "carla") {
		t.Errorf("list after remove: %q", r.stdout)
	}
}

// TestServeTrustedProxies: serve believes X-Forwarded-For from the proxies
// of web.trusted_proxies, so one client's failed logins behind the proxy
// do not lock out another client behind it.
func TestServeTrustedProxies(t *testing.T) {
	cfg := corpusConfig(t, t.TempDir())
	if r := runBinary(t, []byte("uma senha longa e boa\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.stderr)
	}
	addr := freePort(t)
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("[web]\nlisten = \"\"\n"), []byte("[web]\nlisten = \""+addr+"\"\ntrusted_proxies = [\"127.0.0.1\"]\n"), 1)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	startServe(t, cfg)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil || len(resp.Cookies()) == 0 {
		t.Fatalf("login page: %d %s", resp.StatusCode, page)
	}
	login := func(pw, client string) int {
		t.Helper()
		form := url.Values{"csrf": {string(m[1])}, "name": {"carla"}, "password": {pw}}
		req, _ := http.NewRequest("POST", "http://"+addr+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		req.AddCookie(resp.Cookies()[0])
		r, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	for range 5 {
		if code := login("errada", "203.0.113.9"); code != http.StatusUnauthorized {
			t.Fatalf("guess: %d", code)
		}
	}
	if code := login("uma senha longa e boa", "203.0.113.9"); code != http.StatusTooManyRequests {
		t.Fatalf("the guesser: %d", code)
	}
	if code := login("uma senha longa e boa", "198.51.100.7"); code != http.StatusSeeOther {
		t.Fatalf("carla behind the same proxy: %d", code)
	}
}
