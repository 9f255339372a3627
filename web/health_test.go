package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// healthBody is /healthz's answer, both forms.
type healthBody struct {
	Status          string `json:"status"`
	Store           string `json:"store"`
	StoreError      string `json:"store_error"`
	StoreLastError  string `json:"store_last_error"`
	MailboxesStatus string `json:"mailboxes_status"`
	Mailboxes       any    `json:"mailboxes"`
	OutboxPending   *int   `json:"outbox_pending"`
}

func getHealth(t *testing.T, srv *httptest.Server, auth string) (int, string, healthBody) {
	t.Helper()
	code, body, _ := call(t, srv, "GET", "/healthz", auth, "")
	var h healthBody
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("healthz body %q: %v", body, err)
	}
	return code, body, h
}

// TestHealthzAnonymousMinimalAnalystDetails: a stranger learns one word per
// component and nothing else; an analyst's token gets the mailboxes and
// the outbox, with no secret from an error text (D10).
func TestHealthzAnonymousMinimalAnalystDetails(t *testing.T) {
	st, srv, _ := fixture(t)
	code, body, h := getHealth(t, srv, "")
	if code != 200 || h.Status != "ok" || h.Store != "ok" {
		t.Fatalf("healthy: %d %s", code, body)
	}
	leak := "token_command: exit status 1: curl: (22) https://oauth2.example/token?client_secret=S3CR3T-client&refresh_token=1//0gREFRESHTOKEN invalid_grant; password=hunter2"
	_ = st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.SetMailbox(tickets.MailboxState{Name: "suporte-imap", LastError: leak})
	})
	code, body, h = getHealth(t, srv, "")
	if code != http.StatusServiceUnavailable || h.Status != "fail" || h.Store != "ok" {
		t.Errorf("anonymous with a failing mailbox: %d %s", code, body)
	}
	for _, no := range []string{"suporte-imap", "token", "curl", "@", "outbox_pending"} {
		if strings.Contains(body, no) {
			t.Errorf("anonymous healthz shows %q: %s", no, body)
		}
	}
	code, body, h = getHealth(t, srv, token)
	if code != http.StatusServiceUnavailable || h.MailboxesStatus != "fail" || h.OutboxPending == nil ||
		!strings.Contains(body, "suporte-imap") || !strings.Contains(body, "invalid_grant") {
		t.Errorf("analyst healthz lacks the details: %d %s", code, body)
	}
	for _, secret := range []string{"S3CR3T", "REFRESHTOKEN", "hunter2"} {
		if strings.Contains(body, secret) {
			t.Errorf("analyst healthz shows the secret %q: %s", secret, body)
		}
	}
	if _, _, h := getHealth(t, srv, "wrong-token"); h.OutboxPending != nil {
		t.Errorf("a wrong token got the details: %+v", h)
	}
	// A token the API refuses (its analyst disabled) gets no details here
	// either.
	if err := st.Update(context.Background(), func(tx tickets.Tx) error {
		_, err := tx.SetAnalystDisabled("carla", true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, h := getHealth(t, srv, token); h.OutboxPending != nil {
		t.Errorf("a disabled analyst's token got the details: %+v", h)
	}
	st.Close()
	if code, body, _ := getHealth(t, srv, ""); code != http.StatusServiceUnavailable || !strings.Contains(body, `"store":"fail"`) {
		t.Errorf("healthz on a closed store: %d %s", code, body)
	}
}

// TestHealthzStoreFailingWhileCommitsFail: a store whose file was deleted
// refuses writes, and health says so although reads still work.
func TestHealthzStoreFailingWhileCommitsFail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticketgw.db")
	st, err := tickets.Open(path, tickets.Options{CheckInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(web.New(st, web.Options{BaseURL: "http://example.test"}))
	t.Cleanup(srv.Close)
	if code, body, _ := getHealth(t, srv, ""); code != 200 {
		t.Fatalf("healthy: %d %s", code, body)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(context.Background(), func(tickets.Tx) error { return nil }); err == nil {
		t.Fatal("a write into a deleted file worked")
	}
	if code, body, h := getHealth(t, srv, ""); code != http.StatusServiceUnavailable || h.Store != "fail" || h.StoreError != "" {
		t.Errorf("anonymous health after the file was deleted: %d %s", code, body)
	}
}

// TestHealthzStaleMailbox: a mailbox whose last success is older than a
// few poll intervals fails even without an error; a fresh one is ok; a
// configured one that never polled fails once it had the time.
func TestHealthzStaleMailbox(t *testing.T) {
	st, err := tickets.Open(filepath.Join(t.TempDir(), "ticketgw.db"), tickets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	srv := httptest.NewServer(web.New(st, web.Options{BaseURL: "http://example.test", Now: func() time.Time { return clock },
		PollIntervals: map[string]time.Duration{"fresh": time.Minute, "stale": time.Minute, "never": time.Minute}}))
	t.Cleanup(srv.Close)
	_ = st.Update(context.Background(), func(tx tickets.Tx) error {
		if err := tx.SetMailbox(tickets.MailboxState{Name: "fresh", LastSuccess: now.Add(-30 * time.Second)}); err != nil {
			return err
		}
		return tx.SetMailbox(tickets.MailboxState{Name: "stale", LastSuccess: now.Add(-10 * time.Minute)})
	})
	mailboxes := func() map[string]string {
		t.Helper()
		_, body, _ := call(t, srv, "GET", "/healthz", token, "")
		var h struct {
			Mailboxes []struct{ Name, Status string }
		}
		_ = json.Unmarshal([]byte(body), &h)
		got := map[string]string{}
		for _, m := range h.Mailboxes {
			got[m.Name] = m.Status
		}
		return got
	}
	// No analyst in this store: the token is unknown, so ask as one.
	sum := tokenHash()
	_ = st.Update(context.Background(), func(tx tickets.Tx) error {
		if err := tx.PutAnalyst(tickets.Analyst{Name: "carla", PasswordHash: []byte("x")}); err != nil {
			return err
		}
		return tx.AddToken("carla", sum)
	})
	if got := mailboxes(); got["fresh"] != "ok" || got["stale"] != "fail" || got["never"] != "ok" {
		t.Errorf("at start: %v", got)
	}
	clock = now.Add(5 * time.Minute)
	if got := mailboxes(); got["never"] != "fail" {
		t.Errorf("a mailbox that never polled in 5 intervals: %v", got)
	}
}

// BenchmarkHealthz150kPending: one /healthz with 150,000 pending outbox
// entries (D9: 13.8 s before); it must answer in well under 100 ms.
func BenchmarkHealthz150kPending(b *testing.B) {
	st, err := tickets.Open(filepath.Join(b.TempDir(), "ticketgw.db"), tickets.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for batch := range 150 {
		err := st.Update(context.Background(), func(tx tickets.Tx) error {
			for i := range 1000 {
				e := tickets.OutboxEntry{Kind: tickets.MailConfirmation, To: fmt.Sprintf("c%d-%d@example.com", batch, i), From: "support@localhost",
					MessageID: fmt.Sprintf("<b%d-%d@localhost>", batch, i), Subject: "Recebemos sua mensagem [SUP-1000]"}
				if err := tx.Enqueue(&e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(web.New(st, web.Options{BaseURL: "http://example.test"}))
	defer srv.Close()
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("healthz: %d", resp.StatusCode)
		}
	}
}

func tokenHash() []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// TestHealthzDetailsForLoggedInAnalyst: an analyst's session cookie gets
// the details too; the same browser before login does not.
func TestHealthzDetailsForLoggedInAnalyst(t *testing.T) {
	e := newPageEnv(t)
	b := e.browser()
	if a := b.get("/healthz"); a.code != 200 || strings.Contains(a.body, "outbox_pending") {
		t.Fatalf("before login: %d %s", a.code, a.body)
	}
	if a := b.login("carla", password); a.code != http.StatusSeeOther {
		t.Fatalf("login: %d", a.code)
	}
	if a := b.get("/healthz"); a.code != 200 || !strings.Contains(a.body, `"outbox_pending":0`) {
		t.Errorf("logged in: %d %s", a.code, a.body)
	}
}
