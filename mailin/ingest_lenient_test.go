package mailin_test

import (
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
)

// TestIngestLenientKeepsRaw delivers the shapes of an MTA pipe and broken
// clients through Ingest: each becomes a ticket with its subject, body and
// requester, and the raw bytes kept are exactly the bytes that came.
func TestIngestLenientKeepsRaw(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	msg := func(id string) string {
		return "From: Maria <maria@cliente.com.br>\nTo: suporte@acme.com.br\nSubject: Impressora " + id + "\nMessage-ID: <" + id + "@cliente.com.br>\n\nA impressora parou.\n"
	}
	cases := map[string]string{
		"mbox":          "From maria@cliente.com.br  Wed Dec  2 10:00:00 2026\n" + msg("mbox"),
		"cr-only":       strings.ReplaceAll(msg("cr"), "\n", "\r"),
		"lf-only":       msg("lf"),
		"leading-blank": "\r\n" + strings.ReplaceAll(msg("blank"), "\n", "\r\n"),
		"nul-header":    strings.Replace(msg("nul"), "Subject", "Subj\x00ect", 1),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			res := ingest(t, g, []byte(raw))
			if res.Outcome != tickets.Created {
				t.Fatalf("%+v", res)
			}
			d := detail(t, st, res.Ticket)
			if !strings.HasPrefix(d.Ticket.Subject, "Impressora ") || d.Ticket.Requester != "maria@cliente.com.br" {
				t.Fatalf("subject %q requester %q", d.Ticket.Subject, d.Ticket.Requester)
			}
			if len(d.Messages) != 1 || d.Messages[0].Text != "A impressora parou." {
				t.Fatalf("messages %+v", d.Messages)
			}
			if got := rawOf(t, st, res.InboundID); string(got) != raw {
				t.Fatalf("raw kept as %q", got)
			}
		})
	}
}

// TestDisplayNameSpoofHeld checks that a display name shaped like a
// participant's address does not let a stranger into the ticket.
func TestDisplayNameSpoofHeld(t *testing.T) {
	g, _ := newIngester(t, corpusOptions())
	first := ingest(t, g, mail([]string{"From: maria@example.com", "To: suporte@acme.com.br", "Subject: Nota fiscal", "Message-ID: <n1@example.com>"}, "Preciso da nota.\n"))
	res := ingest(t, g, mail([]string{"From: maria@example.com <attacker@evil.com>", "To: suporte@acme.com.br", "Subject: Re: [" + first.Ticket + "] Nota fiscal", "Message-ID: <n2@evil.com>"}, "Mude o e-mail de cobrança.\n"))
	if res.Outcome != tickets.Held || res.Reason != "not-participant" {
		t.Fatalf("%+v", res)
	}
}
