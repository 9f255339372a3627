package mailout_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/mailout"
	"github.com/ticketgw/ticketgw/tickets"
)

var linkToken = regexp.MustCompile(`https://suporte\.acme\.com\.br/(t/SUP-1000|me)\?k=([A-Za-z0-9_-]+)`)

// TestFreshLinkMails: the mail a customer asks for carries a live link of
// the kind asked for, made under the current link version, to the
// address on file; links are made when the mail is composed, so one
// revoked before it left is never sent.
func TestFreshLinkMails(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	res := e.ingest(newTicketMail("maria@cliente.com.br", "f1@cliente.com.br", "Sistema não abre"))
	drain(t, e.worker()) // the confirmation
	ctx := context.Background()
	err := e.store.Update(ctx, func(tx tickets.Tx) error {
		if _, err := tx.RevokeLinks("maria@cliente.com.br"); err != nil { // version 1 from now on
			return err
		}
		if _, err := tx.RequestTicketLink(res.Ticket, "maria@cliente.com.br"); err != nil {
			return err
		}
		_, err := tx.RequestListLink("maria@cliente.com.br", res.Ticket)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, e.worker())
	got := r.messages()
	if len(got) != 3 {
		t.Fatalf("relay got %d messages, want 3", len(got))
	}
	for i, want := range []struct{ path, subject string }{{"t/SUP-1000", "Re: [SUP-1000] Sistema não abre"}, {"me", "Seus chamados no suporte"}} {
		m := got[i+1]
		if strings.Join(m.to, ",") != "maria@cliente.com.br" {
			t.Errorf("fresh link %d to %v", i, m.to)
		}
		mr, parts := parseMail(t, m.data)
		if s, _ := mr.Header.Subject(); s != want.subject {
			t.Errorf("fresh link %d subject %q, want %q", i, s, want.subject)
		}
		if mr.Header.Get("Auto-Submitted") != "auto-replied" {
			t.Errorf("fresh link %d is not marked automatic (loop budget)", i)
		}
		links := linkToken.FindAllStringSubmatch(parts["text/plain"], -1)
		if len(links) != 1 || links[0][1] != want.path {
			t.Fatalf("fresh link %d: links %q, want one to %s", i, links, want.path)
		}
		err := e.store.View(ctx, func(v tickets.View) error {
			var s tickets.LinkStatus
			var err error
			if want.path == "me" {
				var email string
				s, email, err = tickets.CheckListLink(v, links[0][2], e.clock.Now())
				if email != "maria@cliente.com.br" {
					t.Errorf("list link for %q", email)
				}
			} else {
				s, _, err = tickets.CheckTicketLink(v, tickets.LinkPolicy{}, res.Ticket, links[0][2], e.clock.Now())
			}
			if s != tickets.LinkValid {
				t.Errorf("fresh link %d: %v", i, s)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
