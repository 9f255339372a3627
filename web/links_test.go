package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

const (
	day         = 24 * time.Hour
	expiredPage = "Este link não vale mais"
	sentPage    = "Confira seu e-mail"
)

func shortLinks(o *web.Options) {
	o.Links = tickets.LinkPolicy{AfterClose: 2 * day, ListLifetime: day}
}

func (e *pageEnv) setStatus(key string, s tickets.Status) {
	e.t.Helper()
	e.update(func(tx tickets.Tx) error { _, err := tx.SetStatus(key, "carla", s); return err })
}

// linkMails lists the fresh-link emails in the outbox, as "kind to".
func (e *pageEnv) linkMails() []string {
	var out []string
	for _, m := range e.outbox() {
		if m.Kind == tickets.MailTicketLink || m.Kind == tickets.MailListLink {
			out = append(out, m.Kind+" "+m.To)
		}
	}
	return out
}

// TestTicketLinkExpiresAfterClose: the link of a closed ticket works for
// web.ticket_link_after_close, then every page behind it (the ticket,
// its files, the reply) shows the page that asks for a fresh link.
func TestTicketLinkExpiresAfterClose(t *testing.T) {
	e := newPageEnv(t, shortLinks)
	c := e.browser()
	link := e.ticketLink(e.a.Key)
	tok := e.ticketTok(e.a.Key)
	e.clock.advance(10 * day) // open: the token's own expiry does not matter
	if a := c.get(link); a.code != 200 {
		t.Fatalf("open ticket, 10 days on: %d", a.code)
	} else if strings.Contains(a.body, "/me?k=") {
		t.Error("the ticket page hands out the /me link (audit D6)")
	}
	e.setStatus(e.a.Key, tickets.StatusClosed)
	e.clock.advance(-10 * day) // the store closed it now, in real time
	e.clock.advance(2*day - time.Minute)
	if a := c.get(link); a.code != 200 {
		t.Fatalf("closed ticket, within the time after close: %d", a.code)
	}
	e.clock.advance(2 * time.Minute)
	for _, p := range []string{link, "/t/" + e.a.Key + "/attachments/1.1?k=" + tok} {
		a := c.get(p)
		if a.code != http.StatusGone {
			t.Fatalf("%s after the time after close: %d", p, a.code)
		}
		mustContain(t, "expired page", a.body, expiredPage, `action="/t/`+e.a.Key+`/link"`, `name="k" value="`+tok+`"`, `name="email"`)
		mustNotContain(t, "expired page", a.body, hostileText, "<script>")
	}
	if a := c.postForm("/t/"+e.a.Key+"/reply?k="+tok, url.Values{"k": {tok}, "text": {"oi"}}, "Origin", e.srv.URL); a.code != http.StatusGone {
		t.Errorf("reply through an expired link: %d", a.code)
	}
	if n := len(e.detail(e.a.Key).Messages); n != 2 {
		t.Errorf("the ticket has %d messages, want 2 (the reply must not be taken)", n)
	}
	// A forged token is still a bare 404, not the fresh-link page.
	if a := c.get("/t/" + e.a.Key + "?k=" + otherToken(tok)); a.code != http.StatusNotFound {
		t.Errorf("forged token: %d", a.code)
	}
}

// TestLegacyLinkAsksForAFreshOne: a link made before links had versions
// and expiries (the bare MAC) opens nothing; it shows the fresh-link page.
func TestLegacyLinkAsksForAFreshOne(t *testing.T) {
	e := newPageEnv(t)
	h := hmac.New(sha256.New, e.secret)
	h.Write([]byte("ticket\x00" + e.a.Key))
	legacy := base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
	a := e.browser().get("/t/" + e.a.Key + "?k=" + legacy)
	if a.code != http.StatusGone || !strings.Contains(a.body, expiredPage) {
		t.Fatalf("legacy ticket link: %d", a.code)
	}
	h = hmac.New(sha256.New, e.secret)
	h.Write([]byte("customer\x00ana@cliente.com.br"))
	list := base64.RawURLEncoding.EncodeToString([]byte("ana@cliente.com.br")) + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
	if a := e.browser().get("/me?k=" + url.QueryEscape(list)); a.code != http.StatusGone || !strings.Contains(a.body, `action="/me/link"`) {
		t.Fatalf("legacy list link: %d", a.code)
	}
}

func TestListLinkExpires(t *testing.T) {
	e := newPageEnv(t, shortLinks)
	c := e.browser()
	link := e.listLink("ana@cliente.com.br")
	e.clock.advance(day - time.Minute)
	if a := c.get(link); a.code != 200 {
		t.Fatalf("list link within its lifetime: %d", a.code)
	}
	e.clock.advance(time.Minute)
	a := c.get(link)
	if a.code != http.StatusGone {
		t.Fatalf("list link after its lifetime: %d", a.code)
	}
	mustContain(t, "expired list page", a.body, expiredPage, `action="/me/link"`)
	mustNotContain(t, "expired list page", a.body, "ana@cliente.com.br", e.a.Key)
}

// TestAnalystRevokesLinks: the button on the analyst's ticket page (with
// the CSRF token like every form) kills every link of the requester.
func TestAnalystRevokesLinks(t *testing.T) {
	e := newPageEnv(t)
	c := e.browser()
	ana, list, beto := e.ticketLink(e.a.Key), e.listLink("ana@cliente.com.br"), e.ticketLink(e.b.Key)
	b := e.loggedIn()
	if a := b.get("/tickets/" + e.a.Key); !strings.Contains(a.body, `action="/tickets/`+e.a.Key+`/revoke-links"`) {
		t.Fatal("no revoke button on the ticket page")
	}
	if a := b.postForm("/tickets/"+e.a.Key+"/revoke-links", url.Values{}, "Origin", e.srv.URL); a.code != http.StatusForbidden {
		t.Fatalf("revoke without the CSRF token: %d", a.code)
	}
	if a := c.get(ana); a.code != 200 {
		t.Fatalf("link after a refused revocation: %d", a.code)
	}
	if a := b.post("/tickets/"+e.a.Key+"/revoke-links", nil); a.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", a.code, a.body)
	}
	for _, p := range []string{ana, list} {
		if a := c.get(p); a.code != http.StatusGone || !strings.Contains(a.body, expiredPage) {
			t.Errorf("%s after revocation: %d", p, a.code)
		}
	}
	if a := c.get(beto); a.code != 200 {
		t.Errorf("another customer's link after ana's revocation: %d", a.code)
	}
	if a := c.get(e.ticketLink(e.a.Key)); a.code != 200 {
		t.Errorf("a link made after the revocation: %d", a.code)
	}
}

// TestRotatedSecretGrace: links signed with the previous secret work
// during the grace and are unknown after it.
func TestRotatedSecretGrace(t *testing.T) {
	e := newPageEnv(t)
	c := e.browser()
	link, list := e.ticketLink(e.a.Key), e.listLink("ana@cliente.com.br")
	e.update(func(tx tickets.Tx) error { _, err := tx.RotateSecret(time.Hour); return err })
	for _, p := range []string{link, list} {
		if a := c.get(p); a.code != 200 {
			t.Errorf("%s during the grace: %d", p, a.code)
		}
	}
	if a := c.get(e.ticketLink(e.a.Key)); a.code != 200 {
		t.Errorf("new link: %d", a.code)
	}
	e.clock.advance(time.Hour + time.Minute)
	for _, p := range []string{link, list} {
		if a := c.get(p); a.code != http.StatusNotFound {
			t.Errorf("%s after the grace: %d", p, a.code)
		}
	}
}

// TestFreshLinkRequest: a fresh link goes only to an address on file; the
// answer is the same byte for byte whether or not it went; the request
// must come from this site and is rate-limited per address and client.
func TestFreshLinkRequest(t *testing.T) {
	e := newPageEnv(t, shortLinks)
	e.update(func(tx tickets.Tx) error {
		_, err := tx.AppendMessage(e.a.Key, &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", Cc: []string{"chefe@cliente.com.br"}, Text: "cc"})
		return err
	})
	tok := e.ticketTok(e.a.Key)
	e.setStatus(e.a.Key, tickets.StatusClosed)
	e.clock.advance(3 * day)
	c := e.browser()
	ask := func(path string, form url.Values) answer {
		t.Helper()
		return c.postForm(path, form, "Origin", e.srv.URL)
	}
	ticketForm := func(email string) url.Values { return url.Values{"k": {tok}, "email": {email}} }

	known := ask("/t/"+e.a.Key+"/link", ticketForm("Ana@Cliente.com.br"))
	if known.code != 200 || !strings.Contains(known.body, sentPage) {
		t.Fatalf("request for the requester: %d", known.code)
	}
	for _, email := range []string{"intruso@evil.example", "beto@outra.com", "not an address"} {
		if a := ask("/t/"+e.a.Key+"/link", ticketForm(email)); a.code != known.code || a.body != known.body {
			t.Errorf("answer for %q differs from the answer for the requester:\n%s\n---\n%s", email, a.body, known.body)
		}
	}
	ask("/t/"+e.a.Key+"/link", ticketForm("chefe@cliente.com.br")) // a participant
	listKnown := ask("/me/link", url.Values{"email": {"ana@cliente.com.br"}})
	if listKnown.code != 200 || !strings.Contains(listKnown.body, sentPage) {
		t.Fatalf("list request: %d", listKnown.code)
	}
	for _, email := range []string{"chefe@cliente.com.br", "ninguem@cliente.com.br"} {
		if a := ask("/me/link", url.Values{"email": {email}}); a.code != listKnown.code || a.body != listKnown.body {
			t.Errorf("list answer for %q differs", email)
		}
	}
	want := []string{"ticket_link ana@cliente.com.br", "ticket_link chefe@cliente.com.br", "list_link ana@cliente.com.br"}
	if got := e.linkMails(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fresh-link mail: %q, want %q", got, want)
	}

	// Only someone who had a link of this ticket may ask for one, and
	// only from a page of this site.
	if a := ask("/t/"+e.b.Key+"/link", url.Values{"k": {tok}, "email": {"beto@outra.com"}}); a.code != http.StatusNotFound {
		t.Errorf("another ticket with this token: %d", a.code)
	}
	if a := c.postForm("/me/link", url.Values{"email": {"ana@cliente.com.br"}}, "Origin", "https://evil.example"); a.code != http.StatusForbidden {
		t.Errorf("request from another site: %d", a.code)
	}

	// ana asked twice (ticket, list); the third is the last of the hour.
	if a := ask("/me/link", url.Values{"email": {"ana@cliente.com.br"}}); a.code != 200 {
		t.Fatalf("third request for ana: %d", a.code)
	}
	if a := ask("/me/link", url.Values{"email": {"ana@cliente.com.br"}}); a.code != http.StatusTooManyRequests || !strings.Contains(a.body, "Muitos pedidos de link") {
		t.Errorf("fourth request for ana within the hour: %d", a.code)
	}
	// The refused ones are not counted: this client made 9 so far; the
	// 10th is the last of its hour, for anyone.
	if a := ask("/me/link", url.Values{"email": {"outro@cliente.com.br"}}); a.code != 200 {
		t.Errorf("10th request from one client within the hour: %d", a.code)
	}
	if a := ask("/me/link", url.Values{"email": {"mais@cliente.com.br"}}); a.code != http.StatusTooManyRequests {
		t.Errorf("11th request from one client within the hour: %d", a.code)
	}
	e.clock.advance(time.Hour)
	if a := ask("/me/link", url.Values{"email": {"ana@cliente.com.br"}}); a.code != 200 {
		t.Errorf("request an hour later: %d", a.code)
	}
	if n := len(e.linkMails()); n != 5 {
		t.Errorf("%d fresh-link mails, want 5", n)
	}

	// The fresh link works.
	var fresh string
	err := e.st.View(context.Background(), func(v tickets.View) error {
		tk, err := v.Ticket(e.a.Key)
		if err != nil {
			return err
		}
		fresh, err = tickets.NewTicketLink(v, e.opts.Links, tk, e.clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a := c.get("/t/" + e.a.Key + "?k=" + fresh); a.code != 200 {
		t.Errorf("fresh link on the long-closed ticket: %d", a.code)
	}
}

// TestListLinkPageFromTicketPage: the ticket page offers the list by
// email, on a page that works without a link.
func TestListLinkPageFromTicketPage(t *testing.T) {
	e := newPageEnv(t)
	c := e.browser()
	if a := c.get(e.ticketLink(e.a.Key)); !strings.Contains(a.body, `href="/me/link"`) {
		t.Fatal("the ticket page does not offer the list by email")
	}
	a := c.get("/me/link")
	if a.code != 200 {
		t.Fatalf("/me/link: %d", a.code)
	}
	mustContain(t, "list link page", a.body, `action="/me/link"`, `name="email"`, "Receber o link de todos os seus chamados")
}
