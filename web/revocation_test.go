package web_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// setPassword changes carla's password as `analyst add` does.
func (e *pageEnv) setPassword(name, pw string) {
	e.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		e.t.Fatal(err)
	}
	e.update(func(tx tickets.Tx) error { return tx.PutAnalyst(tickets.Analyst{Name: name, PasswordHash: hash}) })
}

func (e *pageEnv) setDisabled(name string, disabled bool) {
	e.t.Helper()
	e.update(func(tx tickets.Tx) error { _, err := tx.SetAnalystDisabled(name, disabled); return err })
}

// TestPasswordChangeEndsSessions is audit D5: a stolen cookie dies with the
// old password, after a restart too.
func TestPasswordChangeEndsSessions(t *testing.T) {
	e := newPageEnv(t)
	old := e.loggedIn()
	e.setPassword("carla", "a brand new password")
	e.restart()
	if a := old.get("/tickets"); a.code != http.StatusSeeOther {
		t.Fatalf("session from before the password change: %d", a.code)
	}
	if a := e.browser().login("carla", password); a.code != http.StatusUnauthorized {
		t.Fatalf("old password: %d", a.code)
	}
	b := e.browser()
	if a := b.login("carla", "a brand new password"); a.code != http.StatusSeeOther {
		t.Fatalf("new password: %d", a.code)
	}
	// Setting the same hash again is no change of password.
	var a tickets.Analyst
	_ = e.st.View(context.Background(), func(v tickets.View) error { a, _, _ = v.Analyst("carla"); return nil })
	e.update(func(tx tickets.Tx) error { return tx.PutAnalyst(a) })
	if a := b.get("/tickets"); a.code != 200 {
		t.Fatalf("session after rewriting the same password: %d", a.code)
	}
}

// TestDisabledAnalyst cannot log in, and their sessions and tokens stop at
// once; enabled again, the tokens work, the old sessions do not.
func TestDisabledAnalyst(t *testing.T) {
	e := newPageEnv(t)
	sum := sha256.Sum256([]byte(token))
	e.update(func(tx tickets.Tx) error { return tx.AddToken("carla", sum[:]) })
	b := e.loggedIn()
	e.setDisabled("carla", true)
	if a := b.get("/tickets"); a.code != http.StatusSeeOther {
		t.Fatalf("session of a disabled analyst: %d", a.code)
	}
	if a := e.browser().login("carla", password); a.code != http.StatusUnauthorized {
		t.Fatalf("login of a disabled analyst: %d", a.code)
	}
	if code, body, _ := call(t, e.srv, "GET", "/api/tickets", token, ""); code != http.StatusUnauthorized {
		t.Fatalf("token of a disabled analyst: %d %s", code, body)
	}
	e.setDisabled("carla", false)
	if a := b.get("/tickets"); a.code != http.StatusSeeOther {
		t.Fatalf("session from before the disable, after enable: %d", a.code)
	}
	if code, _, _ := call(t, e.srv, "GET", "/api/tickets", token, ""); code != 200 {
		t.Fatalf("token after enable: %d", code)
	}
	if a := e.browser().login("carla", password); a.code != http.StatusSeeOther {
		t.Fatalf("login after enable: %d", a.code)
	}
}

// TestRemovedAnalyst: removal ends sessions and revokes tokens, and a new
// analyst of the same name inherits neither.
func TestRemovedAnalyst(t *testing.T) {
	e := newPageEnv(t)
	sum := sha256.Sum256([]byte(token))
	e.update(func(tx tickets.Tx) error { return tx.AddToken("carla", sum[:]) })
	b := e.loggedIn()
	e.update(func(tx tickets.Tx) error { _, _, err := tx.RemoveAnalyst("carla"); return err })
	e.setPassword("carla", password) // a new carla, same password
	if a := b.get("/tickets"); a.code != http.StatusSeeOther {
		t.Fatalf("session of the removed analyst: %d", a.code)
	}
	if code, _, _ := call(t, e.srv, "GET", "/api/tickets", token, ""); code != http.StatusUnauthorized {
		t.Fatalf("token of the removed analyst: %d", code)
	}
}

// TestAPITokenExpiryScopeAndLegacy: a token stops at its expiry, a
// read-only one may only read, a revoked one stops, and a token stored
// before tokens had names (the bare analyst name) still works.
func TestAPITokenExpiryScopeAndLegacy(t *testing.T) {
	e := newPageEnv(t)
	const (
		full     = "tgw_full-token"
		readOnly = "tgw_read-only-token"
		legacy   = "tgw_legacy-token"
	)
	hashOf := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	now := e.clock.Now()
	var fullTok tickets.APIToken
	e.update(func(tx tickets.Tx) error {
		var err error
		if fullTok, err = tx.AddAPIToken(hashOf(full), tickets.APIToken{Analyst: "carla", Label: "script", ExpiresAt: now.Add(time.Hour)}); err != nil {
			return err
		}
		_, err = tx.AddAPIToken(hashOf(readOnly), tickets.APIToken{Analyst: "carla", ReadOnly: true})
		return err
	})
	// The legacy record, written as the code before this change did.
	e.srv.Close()
	e.st.Close()
	db, err := bolt.Open(e.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("tokens")).Put(hashOf(legacy), []byte("carla")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	e.open()
	e.serve()

	key := e.a.Key
	if code, body, _ := call(t, e.srv, "GET", "/api/tickets/"+key, legacy, ""); code != 200 {
		t.Fatalf("legacy token: %d %s", code, body)
	}
	if code, body, _ := call(t, e.srv, "POST", "/api/tickets/"+key+"/status", legacy, `{"status":"in_progress"}`); code != 200 {
		t.Fatalf("legacy token writes: %d %s", code, body)
	}
	if code, _, _ := call(t, e.srv, "GET", "/api/tickets", readOnly, ""); code != 200 {
		t.Fatalf("read-only token reads: %d", code)
	}
	for _, p := range []struct{ path, body string }{{"/status", `{"status":"closed"}`}, {"/reply", `{"text":"x"}`}} {
		code, body, h := call(t, e.srv, "POST", "/api/tickets/"+key+p.path, readOnly, p.body)
		if code != http.StatusForbidden || h.Get("WWW-Authenticate") == "" {
			t.Errorf("read-only token POST %s: %d %s", p.path, code, body)
		}
	}
	if d := e.detail(key); d.Status != tickets.StatusInProgress || len(d.Messages) != 2 {
		t.Fatalf("a read-only token changed the ticket: %s, %d messages", d.Status, len(d.Messages))
	}
	if code, _, _ := call(t, e.srv, "POST", "/api/tickets/"+key+"/status", full, `{"status":"open"}`); code != 200 {
		t.Fatalf("full token before its expiry: %d", code)
	}
	_ = e.st.View(context.Background(), func(v tickets.View) error {
		if tok, _, _ := v.APIToken(hashOf(full)); !tok.LastUsed.Equal(now.UTC()) {
			t.Errorf("last use not recorded: %+v", tok)
		}
		if tok, _, _ := v.APIToken(hashOf(legacy)); !tok.Legacy || tok.LastUsed.IsZero() {
			t.Errorf("legacy token after use: %+v", tok)
		}
		return nil
	})
	e.clock.advance(time.Hour)
	if code, body, _ := call(t, e.srv, "GET", "/api/tickets", full, ""); code != http.StatusUnauthorized {
		t.Fatalf("full token at its expiry: %d %s", code, body)
	}
	e.update(func(tx tickets.Tx) error { _, err := tx.RevokeToken(tickets.TokenID(hashOf(legacy))); return err })
	if code, _, _ := call(t, e.srv, "GET", "/api/tickets", legacy, ""); code != http.StatusUnauthorized {
		t.Fatalf("revoked legacy token: %d", code)
	}
	if fullTok.ID == "" {
		t.Error("no id")
	}
}

// TestPasswordChangeDuringLogin: a login whose password was checked
// against the old record while the password changed makes no session.
func TestPasswordChangeDuringLogin(t *testing.T) {
	var e *pageEnv
	changed := false
	e = newPageEnv(t, func(o *web.Options) {
		o.ComparePassword = func(hash, pw []byte) error {
			if !changed {
				changed = true
				e.setPassword("carla", "changed while checking")
			}
			return bcrypt.CompareHashAndPassword(hash, pw)
		}
	})
	b := e.browser()
	if a := b.login("carla", password); a.code != http.StatusUnauthorized || strings.Contains(strings.Join(a.h.Values("Set-Cookie"), ";"), "tgw_session=") {
		t.Fatalf("login checked against the old password: %d %v", a.code, a.h.Values("Set-Cookie"))
	}
	if a := b.get("/tickets"); a.code != http.StatusSeeOther {
		t.Fatalf("queue after the refused login: %d", a.code)
	}
	if a := e.browser().login("carla", "changed while checking"); a.code != http.StatusSeeOther {
		t.Fatalf("new password: %d", a.code)
	}
}
