package mailin_test

import (
	"context"
	"errors"
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
	res, err := g.Accept(ctx, spoof.InboundID, "carla")
	if err != nil || res.Outcome != tickets.Appended || res.Ticket != first.Ticket {
		t.Fatalf("accept not-participant: %+v %v", res, err)
	}
	d := detail(t, st, first.Ticket)
	if len(d.Messages) != 2 || !d.IsParticipant("beto@cliente.com.br") {
		t.Fatalf("after accept: %d messages, participants %v", len(d.Messages), d.Participants)
	}
	// Unknown sender: registered, then a ticket of its own.
	res, err = g.Accept(ctx, stranger.InboundID, "carla")
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
	if _, err := g.Accept(ctx, spoof.InboundID, "carla"); !errors.Is(err, mailin.ErrNotHeld) {
		t.Fatalf("second accept: %v", err)
	}
	if got := rawOf(t, st, junk.InboundID); len(got) == 0 {
		t.Fatal("raw of discarded mail lost")
	}
	if n := inboundCount(t, st, tickets.Discarded); n != 1 {
		t.Fatalf("%d discarded", n)
	}
}
