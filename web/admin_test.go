package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

func TestCustomersAddAndRemove(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	if a := b.post("/customers", url.Values{"email": {"Maria@Cliente.com.br"}, "name": {"Maria <b>Silva</b>"}}); a.code != http.StatusSeeOther || a.h.Get("Location") != "/customers?done=customer_added" {
		t.Fatalf("add: %d %s", a.code, a.body)
	}
	if a := b.post("/customers", url.Values{"email": {"Jo <jo@x.com>"}}); a.code != http.StatusSeeOther {
		t.Fatalf("add with display name: %d", a.code)
	}
	for _, bad := range []string{"", "not an address", "a@"} {
		if a := b.post("/customers", url.Values{"email": {bad}}); a.code != http.StatusBadRequest {
			t.Errorf("add %q: %d", bad, a.code)
		}
	}
	page := b.get("/customers")
	mustContain(t, "customers", page.body, "maria@cliente.com.br", "Maria &lt;b&gt;Silva&lt;/b&gt;", "jo@x.com", "<td>Jo</td>")
	if a := b.post("/customers/remove", url.Values{"email": {"maria@cliente.com.br"}}); a.code != http.StatusSeeOther {
		t.Fatalf("remove: %d", a.code)
	}
	if a := b.post("/customers/remove", url.Values{"email": {"maria@cliente.com.br"}}); a.code != http.StatusNotFound {
		t.Errorf("remove twice: %d", a.code)
	}
	var list []tickets.Customer
	_ = e.st.View(context.Background(), func(v tickets.View) error { list, _ = v.Customers(); return nil })
	if len(list) != 1 || list[0].Email != "jo@x.com" {
		t.Errorf("customers %+v", list)
	}
}

func TestOutboxPageAndRetry(t *testing.T) {
	e := newPageEnv(t)
	var failed, pending tickets.OutboxEntry
	e.update(func(tx tickets.Tx) error {
		failed = tickets.OutboxEntry{Kind: tickets.MailConfirmation, Ticket: e.a.Key, To: "ana@cliente.com.br", MessageID: "<f@x>"}
		pending = tickets.OutboxEntry{Kind: tickets.MailStatus, Ticket: e.b.Key, To: "beto@outra.com", MessageID: "<p@x>"}
		if err := tx.Enqueue(&failed); err != nil {
			return err
		}
		if err := tx.Enqueue(&pending); err != nil {
			return err
		}
		failed.State, failed.Attempts, failed.LastError = tickets.OutboxFailed, 4, "550 5.1.1 <ana@cliente.com.br>: user unknown"
		failed.AttemptedAt = time.Date(2026, 3, 2, 14, 7, 0, 0, time.UTC)
		failed.Omitted = []string{"video.zip", "fotos.tar"}
		return tx.UpdateOutbox(&failed)
	})
	b := e.loggedIn()
	page := b.get("/outbox")
	mustContain(t, "outbox", page.body, "550 5.1.1 &lt;ana@cliente.com.br&gt;: user unknown", "beto@outra.com",
		`action="/outbox/`+strconv.FormatUint(failed.ID, 10)+`/retry"`, `Com falha <span class="count">1</span>`, `Pendentes <span class="count">1</span>`,
		"Última tentativa", "Anexos deixados de fora (grandes demais): video.zip, fotos.tar")
	mustNotContain(t, "outbox", page.body, `action="/outbox/`+strconv.FormatUint(pending.ID, 10)+`/retry"`)
	if a := b.post("/outbox/"+strconv.FormatUint(failed.ID, 10)+"/retry", nil); a.code != http.StatusSeeOther {
		t.Fatalf("retry: %d %s", a.code, a.body)
	}
	var got tickets.OutboxEntry
	_ = e.st.View(context.Background(), func(v tickets.View) error {
		list, _ := v.Outbox(tickets.OutboxPending)
		for _, x := range list {
			if x.ID == failed.ID {
				got = x
			}
		}
		return nil
	})
	if got.State != tickets.OutboxPending || got.Attempts != 0 {
		t.Fatalf("after retry: %+v", got)
	}
	if a := b.post("/outbox/"+strconv.FormatUint(pending.ID, 10)+"/retry", nil); a.code != http.StatusConflict {
		t.Errorf("retry of a pending entry: %d", a.code)
	}
	if a := b.post("/outbox/999/retry", nil); a.code != http.StatusNotFound {
		t.Errorf("retry of an unknown entry: %d", a.code)
	}
}

func TestAnnouncementsOnCustomerPages(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	text := "Manutenção sábado 22h <script>alert(1)</script>"
	if a := b.post("/announcements", url.Values{"text": {text}}); a.code != http.StatusSeeOther {
		t.Fatalf("post: %d", a.code)
	}
	if a := b.post("/announcements", url.Values{"text": {"  "}}); a.code != http.StatusBadRequest {
		t.Errorf("empty announcement: %d", a.code)
	}
	escaped := "Manutenção sábado 22h &lt;script&gt;alert(1)&lt;/script&gt;"
	for _, p := range []string{e.ticketLink(e.a.Key), e.listLink("ana@cliente.com.br"), "/announcements"} {
		a := e.browser().get(p)
		if p == "/announcements" {
			a = b.get(p)
		}
		if a.code != 200 || !strings.Contains(a.body, escaped) {
			t.Errorf("%s: %d, announcement missing", p, a.code)
		}
	}
	var list []tickets.Announcement
	_ = e.st.View(context.Background(), func(v tickets.View) error { list, _ = v.Announcements(); return nil })
	if len(list) != 1 || list[0].PostedBy != "carla" {
		t.Fatalf("announcements %+v", list)
	}
	if a := b.post("/announcements/"+strconv.FormatUint(list[0].ID, 10)+"/retire", nil); a.code != http.StatusSeeOther {
		t.Fatalf("retire: %d", a.code)
	}
	if a := b.post("/announcements/77/retire", nil); a.code != http.StatusNotFound {
		t.Errorf("retire unknown: %d", a.code)
	}
	for _, p := range []string{e.ticketLink(e.a.Key), e.listLink("ana@cliente.com.br")} {
		if a := e.browser().get(p); strings.Contains(a.body, "Manutenção") {
			t.Errorf("%s still shows a retired announcement", p)
		}
	}
	page := b.get("/announcements")
	mustContain(t, "announcements", page.body, "Retirados", escaped)
}
