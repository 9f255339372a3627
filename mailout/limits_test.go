package mailout_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/mailout"
	"github.com/ticketgw/ticketgw/tickets"
)

// TestLoopBudgetFoldsPlusAndCountsPerDomain (D16): plus-addresses of one
// mailbox share its budget, and the addresses of one domain together
// stop at the per-domain limit.
func TestLoopBudgetFoldsPlusAndCountsPerDomain(t *testing.T) {
	r := startRelay(t)
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	e.opts.LoopLimit, e.opts.LoopLimitPerDomain = 3, 5
	w := e.worker()
	for i := range 4 {
		e.ingest(newTicketMail(fmt.Sprintf("maria+%d@cliente.com.br", i), fmt.Sprintf("plus%d@c", i), "Alerta"))
	}
	drain(t, w)
	if got, sup := len(r.messages()), len(e.outbox(tickets.OutboxSuppressed)); got != 3 || sup != 1 {
		t.Fatalf("plus-addresses: sent %d, suppressed %d; want 3 and 1", got, sup)
	}
	for i := range 4 {
		e.ingest(newTicketMail(fmt.Sprintf("user%d@cliente.com.br", i), fmt.Sprintf("dom%d@c", i), "Alerta"))
	}
	e.ingest(newTicketMail("ana@outro.com.br", "other@c", "Alerta"))
	drain(t, w)
	sup := e.outbox(tickets.OutboxSuppressed)
	if got := len(r.messages()); got != 6 || len(sup) != 3 {
		t.Fatalf("per domain: sent %d, suppressed %d; want 6 (5 to the domain, 1 elsewhere) and 3", got, len(sup))
	}
	if !strings.Contains(sup[len(sup)-1].LastError, "domain cliente.com.br") {
		t.Errorf("suppression reason %q does not name the domain", sup[len(sup)-1].LastError)
	}
}

// replyWithFiles makes a ticket and an analyst's reply carrying files.
func replyWithFiles(t *testing.T, e *env, text string, files map[string]int) {
	t.Helper()
	res := e.ingest(newTicketMail("maria@cliente.com.br", "big1@c", "Arquivos"))
	var atts []tickets.Attachment
	for name, n := range files {
		data := bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7}, n/8)
		atts = append(atts, tickets.Attachment{Filename: name, ContentType: "application/pdf", Data: data})
	}
	err := e.store.Update(context.Background(), func(tx tickets.Tx) error {
		_, err := tx.Reply(res.Ticket, "Carla", text, atts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLargeReplyGoesWithoutItsLargestAttachment (D18): against a relay
// announcing SIZE 120000, a reply whose files make it about 230 KB goes
// without the largest file, says so in its text, and the entry names it;
// the smaller file still goes.
func TestLargeReplyGoesWithoutItsLargestAttachment(t *testing.T) {
	r := startRelay(t)
	r.stop()
	r.maxBytes = 120_000
	r.restart()
	e := newEnv(t, &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 5 * time.Second})
	replyWithFiles(t, e, "Segue o relatório.", map[string]int{"grande.pdf": 150_000, "pequeno.pdf": 20_000})
	drain(t, e.worker())
	msgs := r.messages()
	if len(msgs) != 2 {
		t.Fatalf("relay got %d messages, want the confirmation and the reply; failed: %+v", len(msgs), e.outbox(tickets.OutboxFailed))
	}
	reply := string(msgs[1].data)
	if len(reply) > 120_000 || !strings.Contains(reply, "pequeno.pdf") || strings.Contains(reply, `filename="grande.pdf"`) || strings.Contains(reply, `filename=grande.pdf`) {
		t.Errorf("reply of %d bytes: small file present %v", len(reply), strings.Contains(reply, "pequeno.pdf"))
	}
	_, parts := parseMail(t, msgs[1].data)
	if !strings.Contains(parts["text/plain"], "grande.pdf") || !strings.Contains(parts["text/plain"], "página do chamado") {
		t.Errorf("reply text does not say which file was left out: %q", parts["text/plain"])
	}
	var sent tickets.OutboxEntry
	for _, s := range e.outbox(tickets.OutboxSent) {
		if s.Kind == tickets.MailReply {
			sent = s
		}
	}
	if len(sent.Omitted) != 1 || sent.Omitted[0] != "grande.pdf" {
		t.Errorf("entry records omitted %v, want [grande.pdf]", sent.Omitted)
	}
}

// TestTooLargeEvenWithoutFilesFails: a message over the configured limit
// even without attachments is not sent cut, nor silently dropped: the
// entry fails with the reason.
func TestTooLargeEvenWithoutFilesFails(t *testing.T) {
	dir := t.TempDir()
	tr, err := mailout.NewDirTransport(dir)
	if err != nil {
		t.Fatal(err)
	}
	counting := &countingTransport{Transport: tr}
	e := newEnv(t, counting)
	e.opts.MaxMessageBytes = 20_000
	replyWithFiles(t, e, strings.Repeat("Texto longo demais. ", 2000), map[string]int{"a.pdf": 1000})
	drain(t, e.worker())
	failed := e.outbox(tickets.OutboxFailed)
	if len(failed) != 1 || !strings.Contains(failed[0].LastError, "outbound.max_message_bytes") {
		t.Fatalf("failed entries %+v", failed)
	}
	if n := counting.count(); n != 1 {
		t.Errorf("%d sends, want only the confirmation", n)
	}
}
