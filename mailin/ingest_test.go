package mailin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// mail builds a small CRLF message from header lines and a body.
func mail(headers []string, body string) []byte {
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

func newIngester(t testing.TB, opts mailin.Options) (*mailin.Ingester, *tickets.BoltStore) {
	t.Helper()
	st := openStore(t)
	g, err := mailin.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return g, st
}

func ingest(t testing.TB, g *mailin.Ingester, raw []byte) mailin.Result {
	t.Helper()
	res, err := g.Ingest(context.Background(), raw, mailin.Envelope{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func detail(t testing.TB, st tickets.Store, key string) tickets.TicketDetail {
	t.Helper()
	var d tickets.TicketDetail
	if err := st.View(context.Background(), func(v tickets.View) error {
		var err error
		d, err = v.Detail(key)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSpoofingGuard(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	first := ingest(t, g, mail([]string{
		"From: Ana <ana@cliente.com.br>", "To: suporte@acme.com.br", "Cc: Bia <bia@cliente.com.br>",
		"Subject: Sistema fora do ar", "Message-ID: <a1@cliente.com.br>",
	}, "Nada funciona.\n"))
	if first.Outcome != tickets.Created {
		t.Fatalf("first: %+v", first)
	}
	tag := "Subject: Re: [" + first.Ticket + "] Sistema fora do ar"
	tests := []struct {
		name    string
		headers []string
		want    tickets.Outcome
		reason  string
	}{
		{"stranger by tag", []string{"From: eve@outra.com", "To: suporte@acme.com.br", tag, "Message-ID: <e1@outra.com>"}, tickets.Held, mailin.ReasonNotParticipant},
		{"stranger by plus-address", []string{"From: eve@outra.com", "To: suporte+" + first.Ticket + "@acme.com.br", "Subject: oi", "Message-ID: <e2@outra.com>"}, tickets.Held, mailin.ReasonNotParticipant},
		{"cc participant by tag", []string{"From: bia@cliente.com.br", "To: suporte@acme.com.br", tag, "Message-ID: <b1@cliente.com.br>"}, tickets.Appended, ""},
		{"requester by plus-address", []string{"From: ana@cliente.com.br", "To: suporte+" + strings.ToLower(first.Ticket) + "@acme.com.br", "Subject: mais", "Message-ID: <a2@cliente.com.br>"}, tickets.Appended, ""},
		{"stranger by references", []string{"From: carl@cliente.com.br", "To: suporte@acme.com.br", "Subject: Re: fora", "In-Reply-To: <a1@cliente.com.br>", "Message-ID: <c1@cliente.com.br>"}, tickets.Appended, ""},
		{"now a participant by tag", []string{"From: carl@cliente.com.br", "To: suporte@acme.com.br", tag, "Message-ID: <c2@cliente.com.br>"}, tickets.Appended, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ingest(t, g, mail(tc.headers, "texto "+tc.name+"\n"))
			if res.Outcome != tc.want || res.Reason != tc.reason {
				t.Fatalf("got %+v, want %s %s", res, tc.want, tc.reason)
			}
			if tc.want == tickets.Appended && res.Ticket != first.Ticket {
				t.Fatalf("appended to %s, want %s", res.Ticket, first.Ticket)
			}
		})
	}
	if n := len(detail(t, st, first.Ticket).Messages); n != 5 {
		t.Fatalf("ticket has %d messages, want 5", n)
	}
}

func TestDedupe(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	withID := mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: Um", "Message-ID: <dup@cliente.com.br>"}, "corpo\n")
	noID := mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: Dois"}, "corpo dois\n")
	a := ingest(t, g, withID)
	b := ingest(t, g, noID)
	if a.Outcome != tickets.Created || b.Outcome != tickets.Created || a.Ticket == b.Ticket {
		t.Fatalf("first deliveries: %+v %+v", a, b)
	}
	// Same Message-ID, other bytes (another Received line): still a duplicate.
	again := append([]byte("Received: from relay2\r\n"), withID...)
	for _, tc := range []struct {
		raw  []byte
		want string
	}{{withID, a.Ticket}, {again, a.Ticket}, {noID, b.Ticket}} {
		res := ingest(t, g, tc.raw)
		if res.Outcome != tickets.Duplicate || res.Ticket != tc.want {
			t.Fatalf("redelivery: %+v, want duplicate of %s", res, tc.want)
		}
	}
	// Without a Message-ID, different bytes are a different message.
	c := ingest(t, g, append([]byte("X-Extra: 1\r\n"), noID...))
	if c.Outcome != tickets.Created {
		t.Fatalf("changed message without Message-ID: %+v", c)
	}
	var list []tickets.Ticket
	_ = st.View(context.Background(), func(v tickets.View) error {
		var err error
		list, err = v.Tickets(tickets.Filter{})
		return err
	})
	if len(list) != 3 {
		t.Fatalf("%d tickets, want 3", len(list))
	}
}

func TestCustomerReplyReopens(t *testing.T) {
	for _, from := range []tickets.Status{tickets.StatusWaitingCustomer, tickets.StatusResolved, tickets.StatusClosed, tickets.StatusInProgress} {
		t.Run(string(from), func(t *testing.T) {
			opts := corpusOptions()
			g, st := newIngester(t, opts)
			first := ingest(t, g, mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: X", "Message-ID: <x1@c>"}, "a\n"))
			setStatus(t, st, first.Ticket, from)
			res := ingest(t, g, mail([]string{"From: ana@cliente.com.br", "To: suporte@acme.com.br", "Subject: RES: [" + first.Ticket + "] X", "Message-ID: <x2@c>"}, "b\n"))
			if res.Outcome != tickets.Appended {
				t.Fatalf("%+v", res)
			}
			d := detail(t, st, first.Ticket)
			want := from.AfterCustomerReply()
			if d.Status != want {
				t.Fatalf("status %s after reply to %s, want %s", d.Status, from, want)
			}
			last := d.Events[len(d.Events)-1]
			if want != from && (last.Kind != tickets.EventStatus || last.From != string(from) || last.To != "open" || last.Actor != "ana@cliente.com.br") {
				t.Fatalf("last event %+v", last)
			}
		})
	}
}

func setStatus(t testing.TB, st tickets.Store, key string, s tickets.Status) {
	t.Helper()
	err := st.Update(context.Background(), func(tx tickets.Tx) error {
		_, err := tx.SetStatus(key, "analyst", s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRegisteredSenders(t *testing.T) {
	opts := corpusOptions()
	opts.RegisteredOnly = true
	g, st := newIngester(t, opts)
	msg := func(from, id string) []byte {
		return mail([]string{"From: " + from, "To: suporte@acme.com.br", "Subject: Ajuda", "Message-ID: <" + id + ">"}, "oi\n")
	}
	if res := ingest(t, g, msg("nobody@x.com", "n1@x")); res.Outcome != tickets.Held || res.Reason != mailin.ReasonUnknownSender {
		t.Fatalf("unknown sender: %+v", res)
	}
	var out []tickets.OutboxEntry
	_ = st.View(context.Background(), func(v tickets.View) error {
		out, _ = v.Outbox("")
		return nil
	})
	if len(out) != 1 || out[0].Kind != tickets.MailUnknownSender || out[0].To != "nobody@x.com" || out[0].Ticket != "" || out[0].InReplyTo != "<n1@x>" {
		t.Fatalf("outbox after unknown sender: %+v", out)
	}
	if err := st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.AddCustomer(tickets.Customer{Email: "Known@X.com", Name: "K"})
	}); err != nil {
		t.Fatal(err)
	}
	if res := ingest(t, g, msg("known@x.com", "k1@x")); res.Outcome != tickets.Created {
		t.Fatalf("registered sender: %+v", res)
	}
}

func TestBogusTagOpensNewTicket(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	res := ingest(t, g, mail([]string{"From: a@b.com", "To: suporte@acme.com.br", "Subject: RES: Fwd: [sup-77777] Senha  perdida", "Message-ID: <z@b>"}, "x\n"))
	if res.Outcome != tickets.Created {
		t.Fatalf("%+v", res)
	}
	if s := detail(t, st, res.Ticket).Subject; s != "Senha perdida" {
		t.Fatalf("subject %q", s)
	}
}

func TestUnparseableHeld(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	for i, raw := range [][]byte{nil, []byte("   \r\n"), {0x00, 0xff, 0xfe, 0x01, 0x02}, []byte("just some words without any header\n")} {
		res := ingest(t, g, raw)
		if res.Outcome != tickets.Held || res.Reason != mailin.ReasonUnparseable {
			t.Fatalf("input %d: %+v", i, res)
		}
		if got := rawOf(t, st, res.InboundID); string(got) != string(raw) {
			t.Fatalf("input %d: raw kept as %q", i, got)
		}
	}
}

func TestHostileInputs(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	head := "From: a@b.com\r\nTo: suporte@acme.com.br\r\nSubject: hostile\r\n"
	var many strings.Builder
	many.WriteString(head + "Content-Type: multipart/mixed; boundary=B\r\n\r\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&many, "--B\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	many.WriteString("--B--\r\n")
	var deep strings.Builder
	deep.WriteString(head)
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	deep.WriteString("Content-Type: text/plain\r\n\r\ndeep text\r\n")
	cases := map[string]string{
		"truncated mime":  head + "Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nstart of",
		"bad base64":      head + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64@@@\r\n",
		"unknown charset": head + "Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xe9\r\n",
		"bad encoding":    head + "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644\r\n",
		"10000 parts":     many.String(),
		"200 deep":        deep.String(),
		"huge header":     head + "X-Big: " + strings.Repeat("a", 400<<10) + "\r\n\r\nbody\r\n",
		"binary body":     head + "\r\n" + string([]byte{0, 1, 2, 0xff, 0xfe, 0x80}),
		"no boundary":     head + "Content-Type: multipart/mixed\r\n\r\n--\r\nx\r\n",
		"huge message-id": strings.Replace(head, "Subject", "Message-ID: <"+strings.Repeat("x", 100<<10)+"@y>\r\nSubject", 1) + "\r\nbody\r\n",
		"attached loop":   head + "Content-Type: message/rfc822\r\n\r\n" + head + "Content-Type: message/rfc822\r\n\r\n",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			res := ingest(t, g, []byte(raw))
			switch res.Outcome {
			case tickets.Created, tickets.Held:
			default:
				t.Fatalf("%+v", res)
			}
		})
	}
}
