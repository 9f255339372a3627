package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// heldMail is what cmd/ticketgw wires in: mailin's decisions behind
// web.HeldMail (web itself may not import mailin).
type heldMail struct{ g *mailin.Ingester }

func (h heldMail) Accept(ctx context.Context, id uint64, actor, requester string) (string, error) {
	res, err := h.g.Accept(ctx, id, actor, requester)
	return res.Ticket, err
}

func (h heldMail) Discard(ctx context.Context, id uint64, actor string) error {
	return h.g.Discard(ctx, id, actor)
}

func TestHeldMail(t *testing.T) {
	var g *mailin.Ingester
	e := newPageEnv(t, func(o *web.Options) { o.Held = &lateHeld{g: &g} })
	var err error
	g, err = mailin.New(e.st, mailin.Options{
		Addresses:    []mailin.Address{{Email: "suporte@acme.com.br", Department: "Suporte", Type: tickets.TypeSupport}},
		TicketPrefix: "SUP", RegisteredOnly: true,
		Attachments: tickets.AttachmentPolicy{MaxBytes: 1 << 20, Allowed: []string{"pdf"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ingest := func(from, subject, body string) mailin.Result {
		raw := "From: " + from + "\r\nTo: suporte@acme.com.br\r\nSubject: " + subject + "\r\nMessage-ID: <" + strconv.Itoa(len(subject)) + "." + from + ">\r\n\r\n" + body + "\r\n"
		res, err := g.Ingest(context.Background(), []byte(raw), mailin.Envelope{Source: "test"})
		if err != nil || res.Outcome != tickets.Held {
			t.Fatalf("ingest: %+v %v", res, err)
		}
		return res
	}
	caio := ingest("Caio <caio@outra.com>", "=?UTF-8?Q?Or=C3=A7amento?= <script>x</script>", "quanto custa? <img src=x onerror=alert(1)>")
	spam := ingest("spam@x.com", "oferta", "compre")

	b := e.loggedIn()
	list := b.get("/held")
	mustContain(t, "held list", list.body, "caio@outra.com", "remetente desconhecido", "Orçamento &lt;script&gt;x&lt;/script&gt;", "/held/"+strconv.FormatUint(caio.InboundID, 10))
	id := strconv.FormatUint(caio.InboundID, 10)
	view := b.get("/held/" + id)
	mustContain(t, "held message", view.body, "quanto custa? &lt;img src=x onerror=alert(1)&gt;",
		"<th>From</th><td>Caio &lt;caio@outra.com&gt;</td>", "<th>Subject</th><td>Orçamento &lt;script&gt;x&lt;/script&gt;</td>",
		`href="/held/`+id+`/raw"`, `action="/held/`+id+`/accept"`, `action="/held/`+id+`/discard"`)
	mustNotContain(t, "held message", view.body, "<script>", "<img")
	raw := b.get("/held/" + id + "/raw")
	if raw.code != 200 || !strings.HasPrefix(raw.body, "From: Caio <caio@outra.com>\r\n") {
		t.Fatalf("raw: %d %q", raw.code, raw.body)
	}
	checkDownloadHeaders(t, raw, "message/rfc822", `attachment; filename="message-`+id+`.eml"; filename*=UTF-8''message-`+id+`.eml`)

	// Accept: a ticket, and the sender registered.
	a := b.post("/held/"+id+"/accept", nil)
	if a.code != http.StatusSeeOther || !strings.HasPrefix(a.h.Get("Location"), "/tickets/SUP-") {
		t.Fatalf("accept: %d %s\n%s", a.code, a.h.Get("Location"), a.body)
	}
	key := strings.TrimSuffix(strings.TrimPrefix(a.h.Get("Location"), "/tickets/"), "?done=accepted")
	if d := e.detail(key); d.Requester != "caio@outra.com" {
		t.Errorf("accepted ticket %+v", d.Ticket)
	}
	var c tickets.Customer
	var ok bool
	_ = e.st.View(context.Background(), func(v tickets.View) error { c, ok, _ = v.Customer("caio@outra.com"); return nil })
	if !ok || c.Name != "Caio" {
		t.Errorf("accept did not register the sender: %+v", c)
	}
	if a := b.post("/held/"+id+"/accept", nil); a.code != http.StatusConflict {
		t.Errorf("accept twice: %d", a.code)
	}
	// Discard: gone from the list, kept in the store.
	sid := strconv.FormatUint(spam.InboundID, 10)
	if a := b.post("/held/"+sid+"/discard", nil); a.code != http.StatusSeeOther || a.h.Get("Location") != "/held?done=discarded" {
		t.Fatalf("discard: %d %s", a.code, a.h.Get("Location"))
	}
	var in tickets.Inbound
	_ = e.st.View(context.Background(), func(v tickets.View) error { in, _ = v.Inbound(spam.InboundID); return nil })
	if in.Outcome != tickets.Discarded || in.DecidedBy != "carla" {
		t.Errorf("discarded record %+v", in)
	}
	list = b.get("/held?done=discarded")
	mustContain(t, "held list after", list.body, "Nenhuma mensagem retida.", "Mensagem descartada.")
	if a := b.get("/held/999"); a.code != http.StatusNotFound {
		t.Errorf("unknown held: %d", a.code)
	}
}

// TestIgnoredAndUnparseableCanBeAccepted: the ignored page lists machine
// mail with its reason; an ignored message and an unparseable one can be
// accepted, the latter for the address the analyst types.
func TestIgnoredAndUnparseableCanBeAccepted(t *testing.T) {
	var g *mailin.Ingester
	e := newPageEnv(t, func(o *web.Options) { o.Held = &lateHeld{g: &g} })
	var err error
	g, err = mailin.New(e.st, mailin.Options{
		Addresses:    []mailin.Address{{Email: "suporte@acme.com.br", Department: "Suporte", Type: tickets.TypeSupport}},
		TicketPrefix: "SUP",
		Attachments:  tickets.AttachmentPolicy{MaxBytes: 1 << 20, Allowed: []string{"pdf"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ooo, err := g.Ingest(ctx, []byte("From: Bia <bia@cliente.com.br>\r\nTo: suporte@acme.com.br\r\nSubject: Resposta automática: férias\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <o1@x>\r\n\r\nEstou de férias.\r\n"), mailin.Envelope{Source: "test"})
	if err != nil || ooo.Outcome != tickets.Ignored {
		t.Fatalf("ooo: %+v %v", ooo, err)
	}
	junk, err := g.Ingest(ctx, []byte("\x00\x00\x01 no header at all"), mailin.Envelope{Source: "test", Recipient: "suporte@acme.com.br"})
	if err != nil || junk.Outcome != tickets.Held {
		t.Fatalf("junk: %+v %v", junk, err)
	}
	b := e.loggedIn()
	oid, jid := strconv.FormatUint(ooo.InboundID, 10), strconv.FormatUint(junk.InboundID, 10)
	list := b.get("/ignored")
	mustContain(t, "ignored list", list.body, "Mensagens ignoradas", "bia@cliente.com.br", "Resposta automática: férias", "resposta automática", `href="/held/`+oid+`"`)
	view := b.get("/held/" + oid)
	mustContain(t, "ignored message", view.body, `action="/held/`+oid+`/accept"`)
	mustNotContain(t, "ignored message", view.body, `/discard"`, `name="requester"`)
	if a := b.post("/held/"+oid+"/discard", nil); a.code != http.StatusConflict {
		t.Errorf("discard ignored: %d", a.code)
	}
	a := b.post("/held/"+oid+"/accept", nil)
	if a.code != http.StatusSeeOther || !strings.HasPrefix(a.h.Get("Location"), "/tickets/SUP-") {
		t.Fatalf("accept ignored: %d %s\n%s", a.code, a.h.Get("Location"), a.body)
	}

	view = b.get("/held/" + jid)
	mustContain(t, "unparseable", view.body, `name="requester"`, `action="/held/`+jid+`/accept"`)
	for _, tc := range []struct{ requester, want string }{
		{"", "informe o e-mail de quem pediu"},
		{"não é e-mail", "Este não é um endereço de e-mail válido"},
	} {
		a := b.post("/held/"+jid+"/accept", url.Values{"requester": {tc.requester}})
		if a.code != http.StatusUnprocessableEntity {
			t.Fatalf("requester %q: %d", tc.requester, a.code)
		}
		mustContain(t, "refused accept", a.body, tc.want, `value="`+html.EscapeString(tc.requester)+`"`)
	}
	a = b.post("/held/"+jid+"/accept", url.Values{"requester": {"ana@cliente.com.br"}})
	if a.code != http.StatusSeeOther {
		t.Fatalf("accept unparseable: %d\n%s", a.code, a.body)
	}
	key := strings.TrimSuffix(strings.TrimPrefix(a.h.Get("Location"), "/tickets/"), "?done=accepted")
	if d := e.detail(key); d.Requester != "ana@cliente.com.br" {
		t.Errorf("ticket %+v", d.Ticket)
	}
}

func TestHeldWithoutDecider(t *testing.T) {
	e := newPageEnv(t)
	var id uint64
	e.update(func(tx tickets.Tx) error {
		in := tickets.Inbound{Source: "test", From: "x@y.com", Subject: "s", Outcome: tickets.Held, Reason: "unparseable"}
		err := tx.RecordInbound(&in, []byte("garbage"), "")
		id = in.ID
		return err
	})
	b := e.loggedIn()
	view := b.get("/held/" + strconv.FormatUint(id, 10))
	mustContain(t, "held view", view.body, "mensagem ilegível", "Nenhum cabeçalho legível.")
	mustNotContain(t, "held view", view.body, "/accept")
	if a := b.post("/held/"+strconv.FormatUint(id, 10)+"/accept", nil); a.code != http.StatusNotFound {
		t.Errorf("accept without a decider: %d", a.code)
	}
}

// lateHeld lets the test make the Ingester after the server (both need
// the store the fixture opens).
type lateHeld struct{ g **mailin.Ingester }

func (l *lateHeld) Accept(ctx context.Context, id uint64, actor, requester string) (string, error) {
	return heldMail{*l.g}.Accept(ctx, id, actor, requester)
}

func (l *lateHeld) Discard(ctx context.Context, id uint64, actor string) error {
	return heldMail{*l.g}.Discard(ctx, id, actor)
}
