package mailin_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

func TestAcceptAndDiscardHeld(t *testing.T) {
	opts := corpusOptions()
	opts.RegisteredOnly = true
	g, st := newIngester(t, opts)
	ctx := context.Background()
	if err := st.Update(ctx, func(tx tickets.Tx) error { return tx.AddCustomer(tickets.Customer{Email: "ana@cliente.com.br"}) }); err != nil {
		t.Fatal(err)
	}
	first := ingest(t, g, mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: Sistema lento", "Message-ID: <h1@c>"}, "lento\n"))
	spoof := ingest(t, g, mail([]string{"From: beto@cliente.com.br", "To: suporte@acme.com.br", "Subject: Re: [" + first.Ticket + "] Sistema lento", "Message-ID: <h2@c>"}, "aqui também\n"))
	stranger := ingest(t, g, mail([]string{"From: Caio <caio@outra.com>", "To: suporte@acme.com.br", "Subject: Orçamento", "Message-ID: <h3@c>"}, "quanto custa?\n"))
	junk := ingest(t, g, mail([]string{"From: spam@x.com", "To: suporte@acme.com.br", "Subject: oferta", "Message-ID: <h4@c>"}, "compre\n"))
	for _, r := range []mailin.Result{spoof, stranger, junk} {
		if r.Outcome != tickets.Held {
			t.Fatalf("%+v, want held", r)
		}
	}
	// Not-participant: joins the ticket it named.
	res, err := g.Accept(ctx, spoof.InboundID, "carla", "")
	if err != nil || res.Outcome != tickets.Appended || res.Ticket != first.Ticket {
		t.Fatalf("accept not-participant: %+v %v", res, err)
	}
	d := detail(t, st, first.Ticket)
	if len(d.Messages) != 2 || !d.IsParticipant("beto@cliente.com.br") {
		t.Fatalf("after accept: %d messages, participants %v", len(d.Messages), d.Participants)
	}
	// Unknown sender: registered, then a ticket of its own.
	res, err = g.Accept(ctx, stranger.InboundID, "carla", "")
	if err != nil || res.Outcome != tickets.Created {
		t.Fatalf("accept unknown sender: %+v %v", res, err)
	}
	var c tickets.Customer
	var rec tickets.Inbound
	var raw []byte
	_ = st.View(ctx, func(v tickets.View) error {
		c, _, _ = v.Customer("caio@outra.com")
		rec, _ = v.Inbound(stranger.InboundID)
		raw, _ = v.Raw(stranger.InboundID)
		return nil
	})
	if c.Email != "caio@outra.com" || c.Name != "Caio" || rec.Outcome != tickets.Created || rec.Ticket != res.Ticket || rec.DecidedBy != "carla" || len(raw) == 0 {
		t.Fatalf("customer %+v record %+v raw %d bytes", c, rec, len(raw))
	}
	// A later message from him is no longer held.
	if r := ingest(t, g, mail([]string{"From: caio@outra.com", "To: suporte@acme.com.br", "Subject: outra", "Message-ID: <h5@c>"}, "x\n")); r.Outcome != tickets.Created {
		t.Fatalf("after registration: %+v", r)
	}
	// Discard keeps everything but the outcome; twice is an error.
	if err := g.Discard(ctx, junk.InboundID, "carla"); err != nil {
		t.Fatal(err)
	}
	if err := g.Discard(ctx, junk.InboundID, "carla"); !errors.Is(err, mailin.ErrNotHeld) {
		t.Fatalf("second discard: %v", err)
	}
	if _, err := g.Accept(ctx, spoof.InboundID, "carla", ""); !errors.Is(err, mailin.ErrNotHeld) {
		t.Fatalf("second accept: %v", err)
	}
	if got := rawOf(t, st, junk.InboundID); len(got) == 0 {
		t.Fatal("raw of discarded mail lost")
	}
	if n := inboundCount(t, st, tickets.Discarded); n != 1 {
		t.Fatalf("%d discarded", n)
	}
}

// outboxTo lists the recipients of what is queued, in order.
func outboxTo(t *testing.T, st tickets.Store) []string {
	t.Helper()
	var to []string
	err := st.View(context.Background(), func(v tickets.View) error {
		list, err := v.Outbox("")
		for _, e := range list {
			to = append(to, e.To)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// TestSpamHeldNeverAnswered: an upstream spam verdict holds the mail with
// no answer; an analyst who accepts it files it as any mail.
func TestSpamHeldNeverAnswered(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	ctx := context.Background()
	res := ingest(t, g, mail([]string{"From: promo@ofertas.example", "To: suporte@acme.com.br", "Subject: Ganhe já", "Message-ID: <s1@x>", "X-Spam-Flag: YES", "X-Spam-Status: Yes, score=12.0"}, "compre\n"))
	if res.Outcome != tickets.Held || res.Reason != mailin.ReasonSpam {
		t.Fatalf("%+v, want held spam", res)
	}
	if to := outboxTo(t, st); len(to) != 0 {
		t.Fatalf("spam answered: %v", to)
	}
	acc, err := g.Accept(ctx, res.InboundID, "carla", "")
	if err != nil || acc.Outcome != tickets.Created {
		t.Fatalf("accept: %+v %v", acc, err)
	}
	if to := outboxTo(t, st); len(to) != 1 || to[0] != "promo@ofertas.example" {
		t.Fatalf("after accept, outbox to %v", to)
	}
}

// TestAcceptIgnored: ignored mail can be filed by an analyst. A person
// whose subject merely looks automatic is not ignored at all (D12); a
// bounce accepted becomes a ticket that nobody's robot is answered on.
func TestAcceptIgnored(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	ctx := context.Background()
	person := ingest(t, g, mail([]string{"From: joao@cliente.com.br", "To: suporte@acme.com.br", "Subject: Auto: meu carro não liga", "Message-ID: <p1@x>"}, "A apólice do seguro auto não abre.\n"))
	if person.Outcome != tickets.Created {
		t.Fatalf("person: %+v", person)
	}
	bounce := ingest(t, g, mail([]string{"From: Mail Delivery System <daemon@mx.example>", "To: suporte@acme.com.br", "Subject: Undelivered Mail Returned to Sender", "Message-ID: <b1@x>"},
		"This is the mail system at host mx.example.\n\nI'm sorry to have to inform you that your message could not\nbe delivered.\n"))
	if bounce.Outcome != tickets.Ignored || bounce.Reason != mailin.ReasonBounce {
		t.Fatalf("bounce: %+v", bounce)
	}
	before := len(outboxTo(t, st))
	if err := g.Discard(ctx, bounce.InboundID, "carla"); !errors.Is(err, mailin.ErrNotHeld) {
		t.Fatalf("discard of ignored mail: %v", err)
	}
	acc, err := g.Accept(ctx, bounce.InboundID, "carla", "")
	if err != nil || acc.Outcome != tickets.Created {
		t.Fatalf("accept: %+v %v", acc, err)
	}
	if n := len(outboxTo(t, st)); n != before {
		t.Fatalf("an accepted bounce was answered (%d → %d queued)", before, n)
	}
	d := detail(t, st, acc.Ticket)
	if d.Requester != "daemon@mx.example" || d.Subject != "Undelivered Mail Returned to Sender" || len(d.Messages) != 1 {
		t.Fatalf("ticket %+v", d.Ticket)
	}
	if _, err := g.Accept(ctx, bounce.InboundID, "carla", ""); !errors.Is(err, mailin.ErrNotHeld) {
		t.Fatalf("second accept: %v", err)
	}
}

// TestAcceptUnparseable: mail that no reading parses, or that names no
// sender, becomes a ticket for the address the analyst gives (D13).
func TestAcceptUnparseable(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	ctx := context.Background()
	raw := []byte("\x00\x01binary junk that is no mail\nrelatório anexo\n")
	res, err := g.Ingest(ctx, raw, mailin.Envelope{Source: "test", Recipient: "bugs@acme.com.br"})
	if err != nil || res.Outcome != tickets.Held || res.Reason != mailin.ReasonUnparseable {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := g.Accept(ctx, res.InboundID, "carla", ""); !errors.Is(err, tickets.ErrNeedsRequester) {
		t.Fatalf("accept without requester: %v", err)
	}
	for _, bad := range []string{"ana", "ana@", "<ana@cliente.com.br", "ana@localhost", "a\x00na@cliente.com.br"} {
		if _, err := g.Accept(ctx, res.InboundID, "carla", bad); !errors.Is(err, tickets.ErrBadAddress) {
			t.Errorf("accept for %q: %v", bad, err)
		}
	}
	acc, err := g.Accept(ctx, res.InboundID, "carla", "Ana <Ana@Cliente.com.br>")
	if err != nil || acc.Outcome != tickets.Created {
		t.Fatalf("accept: %+v %v", acc, err)
	}
	d := detail(t, st, acc.Ticket)
	if d.Requester != "ana@cliente.com.br" || d.Type != tickets.TypeBug || len(d.Messages) != 1 || !strings.Contains(d.Messages[0].Text, "relatório anexo") {
		t.Fatalf("ticket %+v, messages %+v", d.Ticket, d.Messages)
	}
	if to := outboxTo(t, st); len(to) != 1 || to[0] != "ana@cliente.com.br" {
		t.Fatalf("confirmation to %v", to)
	}

	// No From: ignored as no-sender, accepted for the address given.
	nf := ingest(t, g, mail([]string{"To: suporte@acme.com.br", "Subject: scanner", "Message-ID: <nf@x>"}, "digitalização\n"))
	if nf.Outcome != tickets.Ignored || nf.Reason != mailin.ReasonNoSender {
		t.Fatalf("no sender: %+v", nf)
	}
	if _, err := g.Accept(ctx, nf.InboundID, "carla", ""); !errors.Is(err, tickets.ErrNeedsRequester) {
		t.Fatalf("accept without requester: %v", err)
	}
	acc, err = g.Accept(ctx, nf.InboundID, "carla", "bia@cliente.com.br")
	if err != nil || acc.Outcome != tickets.Created || detail(t, st, acc.Ticket).Requester != "bia@cliente.com.br" {
		t.Fatalf("accept no-sender: %+v %v", acc, err)
	}
}

// TestColleagueCopyingRequesterJoins: a tag match from someone who is not
// a participant is held, unless the message copies the ticket's requester
// (a colleague answering for them).
func TestColleagueCopyingRequesterJoins(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	first := ingest(t, g, mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: Nota fiscal", "Message-ID: <c1@c>"}, "erro\n"))
	alone := ingest(t, g, mail([]string{"From: bia@cliente.com.br", "To: suporte@acme.com.br", "Subject: Re: [" + first.Ticket + "] Nota fiscal", "Message-ID: <c2@c>"}, "eu também\n"))
	if alone.Outcome != tickets.Held || alone.Reason != mailin.ReasonNotParticipant {
		t.Fatalf("stranger without the requester copied: %+v", alone)
	}
	copied := ingest(t, g, mail([]string{"From: caio@cliente.com.br", "To: suporte@acme.com.br", "Cc: Ana <ANA@cliente.com.br>", "Subject: Re: [" + first.Ticket + "] Nota fiscal", "Message-ID: <c3@c>"}, "respondo pela Ana\n"))
	if copied.Outcome != tickets.Appended || copied.Ticket != first.Ticket {
		t.Fatalf("colleague with the requester in Cc: %+v", copied)
	}
	if d := detail(t, st, first.Ticket); !d.IsParticipant("caio@cliente.com.br") {
		t.Errorf("the colleague did not become a participant: %v", d.Participants)
	}
}
