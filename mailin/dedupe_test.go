package mailin_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
)

var realMail = mail([]string{
	"From: Ana <ana@cliente.com.br>", "To: suporte@acme.com.br", "Subject: Nota fiscal errada",
	"Date: Thu, 03 Dec 2026 09:00:00 -0300", "Message-ID: <nf-77@cliente.com.br>",
}, "A nota 77 saiu com o CNPJ errado.\n")

// redelivered is realMail as another hop hands it over: trace headers
// added in front, LF line ends (a pipe) instead of CRLF.
func redelivered(raw []byte) []byte {
	hops := "Return-Path: <ana@cliente.com.br>\r\nDelivered-To: suporte@acme.com.br\r\nX-Original-To: suporte@acme.com.br\r\n" +
		"Received: from mx2.acme.com.br by imap.acme.com.br; Thu, 03 Dec 2026 09:00:05 -0300\r\nAuthentication-Results: mx2; dkim=pass\r\n"
	return bytes.ReplaceAll(append([]byte(hops), raw...), []byte("\r\n"), []byte("\n"))
}

// stranger reuses the Message-ID with content of its own.
var strangerMail = mail([]string{
	"From: mallory@evil.example", "To: suporte@acme.com.br", "Subject: oi",
	"Message-ID: <nf-77@cliente.com.br>",
}, "primeiro!\n")

// TestReusedMessageIDIsNotDuplicate (security audit D19): a stranger who
// delivers a Message-ID first no longer makes the real message a
// duplicate; a redelivery of the same mail by another path still is one;
// and neither copy threads the replies that name the reused ID.
func TestReusedMessageIDIsNotDuplicate(t *testing.T) {
	for _, strangerFirst := range []bool{true, false} {
		name := map[bool]string{true: "stranger first", false: "real first"}[strangerFirst]
		t.Run(name, func(t *testing.T) {
			g, st := newIngester(t, corpusOptions())
			first, second := realMail, strangerMail
			if strangerFirst {
				first, second = strangerMail, realMail
			}
			a, b := ingest(t, g, first), ingest(t, g, second)
			if a.Outcome != tickets.Created || b.Outcome != tickets.Created || a.Ticket == b.Ticket {
				t.Fatalf("same Message-ID, other content: %+v then %+v, want two tickets", a, b)
			}
			realTicket, strangerTicket := a.Ticket, b.Ticket
			if strangerFirst {
				realTicket, strangerTicket = b.Ticket, a.Ticket
			}
			for _, raw := range [][]byte{realMail, redelivered(realMail)} {
				if res := ingest(t, g, raw); res.Outcome != tickets.Duplicate || res.Ticket != realTicket {
					t.Errorf("redelivery of the real mail: %+v, want duplicate of %s", res, realTicket)
				}
			}
			if res := ingest(t, g, redelivered(strangerMail)); res.Outcome != tickets.Duplicate || res.Ticket != strangerTicket {
				t.Errorf("redelivery of the stranger's: %+v, want duplicate of %s", res, strangerTicket)
			}
			// A colleague answers the real mail: the reused ID threads
			// to neither ticket, so the stranger cannot read it.
			reply := ingest(t, g, mail([]string{"From: bia@cliente.com.br", "To: suporte@acme.com.br", "Cc: ana@cliente.com.br",
				"Subject: Re: Nota fiscal errada", "Message-ID: <re-nf-77@cliente.com.br>", "In-Reply-To: <nf-77@cliente.com.br>"}, "Confirmo, o CNPJ é outro.\n"))
			if reply.Ticket == strangerTicket {
				t.Errorf("a reply to the real mail went to the stranger's ticket: %+v", reply)
			}
			if n := len(detail(t, st, strangerTicket).Messages); n != 1 {
				t.Errorf("the stranger's ticket has %d messages", n)
			}
		})
	}
}

// TestLegacyDedupeKey: mail stored before the fingerprint, under its
// Message-ID alone, is still recognised when it comes again by another
// path; other content under that ID is filed.
func TestLegacyDedupeKey(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	var old tickets.Ticket
	err := st.Update(context.Background(), func(tx tickets.Tx) error {
		old = tickets.Ticket{Subject: "Nota fiscal errada", Type: tickets.TypeSupport, Department: "Suporte", Requester: "ana@cliente.com.br", Address: "suporte@acme.com.br"}
		id, err := tx.ReserveInboundID()
		if err != nil {
			return err
		}
		if err := tx.CreateTicket(&old, &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", MessageID: "<nf-77@cliente.com.br>", Text: "A nota 77", InboundID: id}); err != nil {
			return err
		}
		// What Ingest stored before: the key is the Message-ID alone.
		return tx.RecordInbound(&tickets.Inbound{ID: id, Source: "smtp", SHA256: "old", Size: len(realMail), MessageID: "<nf-77@cliente.com.br>",
			Outcome: tickets.Created, Ticket: old.Key}, realMail, "mid:nf-77@cliente.com.br")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := ingest(t, g, redelivered(realMail)); res.Outcome != tickets.Duplicate || res.Ticket != old.Key {
		t.Fatalf("redelivery of mail stored before: %+v, want duplicate of %s", res, old.Key)
	}
	if res := ingest(t, g, strangerMail); res.Outcome != tickets.Created || res.Ticket == old.Key {
		t.Fatalf("other content under an old Message-ID: %+v, want a ticket of its own", res)
	}
}
