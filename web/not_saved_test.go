package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// faultyStore is the real bbolt store with a fault switched on and off:
// writes fail as on a full disk (ENOSPC from the commit), and, when
// unreadable is set too, reading a ticket fails as well.
type faultyStore struct {
	tickets.Store
	full, unreadable atomic.Bool
}

func (f *faultyStore) Update(ctx context.Context, fn func(tickets.Tx) error) error {
	if f.full.Load() {
		return fmt.Errorf("commit: %w", syscall.ENOSPC)
	}
	return f.Store.Update(ctx, fn)
}

func (f *faultyStore) View(ctx context.Context, fn func(tickets.View) error) error {
	return f.Store.View(ctx, func(v tickets.View) error { return fn(faultyView{v, f}) })
}

type faultyView struct {
	tickets.View
	f *faultyStore
}

func (v faultyView) Detail(key string) (tickets.TicketDetail, error) {
	if v.f.unreadable.Load() {
		return tickets.TicketDetail{}, errors.New("read ticket: input/output error")
	}
	return v.View.Detail(key)
}

// TestReplyNotSavedKeepsText (fault tests D12): a reply or note the store
// cannot write is answered 503 with the ticket page again and the text
// typed still in its box, from the multipart form (files named, to attach
// again) and the plain form, even when the ticket cannot be read either.
func TestReplyNotSavedKeepsText(t *testing.T) {
	e := newPageEnv(t)
	fs := &faultyStore{Store: e.st}
	e.srv.Close()
	e.srv = httptest.NewServer(web.New(fs, e.opts))
	t.Cleanup(e.srv.Close)
	b := e.loggedIn()
	msgs, out := len(e.detail(e.a.Key).Messages), len(e.outbox())
	typed := "Olá Ana,\nsegue a correção <b>importante</b>."
	escaped := "Olá Ana,\nsegue a correção &lt;b&gt;importante&lt;/b&gt;."
	fs.full.Store(true)
	for _, unreadable := range []bool{false, true} {
		fs.unreadable.Store(unreadable)
		tag := fmt.Sprintf("unreadable=%v", unreadable)
		a := b.postMultipart("/tickets/"+e.a.Key+"/reply", map[string]string{"csrf": b.csrf, "text": typed},
			upload{"relatório.pdf", "application/pdf", "%PDF-1.7 bytes"})
		if a.code != http.StatusServiceUnavailable {
			t.Fatalf("%s multipart reply: %d\n%s", tag, a.code, a.body)
		}
		mustContain(t, tag+" multipart reply page", a.body, "Não foi salvo", ">"+escaped+"</textarea>", "relatório.pdf", `action="/tickets/`+e.a.Key+`/reply"`)
		a = b.post("/tickets/"+e.a.Key+"/reply", map[string][]string{"text": {typed}})
		if a.code != http.StatusServiceUnavailable {
			t.Fatalf("%s form reply: %d\n%s", tag, a.code, a.body)
		}
		mustContain(t, tag+" form reply page", a.body, "Não foi salvo", ">"+escaped+"</textarea>")
		a = b.post("/tickets/"+e.a.Key+"/note", map[string][]string{"text": {"nota interna " + typed}})
		if a.code != http.StatusServiceUnavailable {
			t.Fatalf("%s note: %d\n%s", tag, a.code, a.body)
		}
		mustContain(t, tag+" note page", a.body, "Não foi salvo", ">nota interna "+escaped+"</textarea>")
	}
	fs.full.Store(false)
	fs.unreadable.Store(false)
	if len(e.detail(e.a.Key).Messages) != msgs || len(e.outbox()) != out {
		t.Fatal("something was stored while the store could not write")
	}
	// Sent again once the store writes: taken.
	if a := b.post("/tickets/"+e.a.Key+"/reply", map[string][]string{"text": {typed}}); a.code != http.StatusSeeOther {
		t.Fatalf("reply after the fault: %d", a.code)
	}
	if d := e.detail(e.a.Key); len(d.Messages) != msgs+1 || !strings.Contains(d.Messages[msgs].Text, "importante") {
		t.Fatal("the reply sent again was not stored")
	}
}
