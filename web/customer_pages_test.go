package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
)

func TestCustomerTicketPage(t *testing.T) {
	e := newPageEnv(t)
	e.update(func(tx tickets.Tx) error {
		if _, err := tx.Reply(e.a.Key, "carla", "Estamos verificando.", nil); err != nil {
			return err
		}
		if _, err := tx.SetAssignee(e.a.Key, "carla", "davi-interno"); err != nil {
			return err
		}
		_, err := tx.SetStatus(e.a.Key, "carla", tickets.StatusWaitingCustomer)
		return err
	})
	c := e.browser()
	a := c.get(e.ticketLink(e.a.Key))
	if a.code != 200 {
		t.Fatalf("customer page: %d", a.code)
	}
	mustContain(t, "customer page", a.body, "Estamos verificando.", `class="msg msg-in"`, `class="msg msg-out"`,
		"Situação: Aberto → Aguardando cliente", "Aguardando cliente",
		`href="/t/`+e.a.Key+`/attachments/1.1?k=`+e.ticketTok(e.a.Key)+`"`,
		`href="/me/link"`,
		`action="/t/`+e.a.Key+`/reply?k=`, `name="k" value="`+e.ticketTok(e.a.Key)+`"`, "Escrever aqui reabre o chamado.")
	mustNotContain(t, "customer page", a.body, secretNote, "Nota interna", "msg-note", "davi-interno", `action="/logout"`, `name="csrf"`)

	good := e.ticketTok(e.a.Key)
	for _, p := range []string{
		"/t/" + e.a.Key,         // no token
		"/t/" + e.a.Key + "?k=", // empty
		"/t/" + e.a.Key + "?k=" + good[:len(good)-2] + "AA",                        // wrong
		"/t/" + e.b.Key + "?k=" + good,                                             // another customer's ticket with ana's token
		"/t/" + e.a.Key + "?k=" + url.QueryEscape(e.listTok("ana@cliente.com.br")), // the list token is not a ticket token
		"/t/SUP-9999?k=" + e.ticketTok("SUP-9999"),                                 // a ticket that does not exist
	} {
		a := c.get(p)
		if a.code != http.StatusNotFound || a.body != "404 page not found\n" {
			t.Errorf("%s: %d %q", p, a.code, a.body)
		}
	}
}

func TestCustomerAttachmentDownload(t *testing.T) {
	e := newPageEnv(t)
	c := e.browser()
	tok := e.ticketTok(e.a.Key)
	a := c.get("/t/" + e.a.Key + "/attachments/1.1?k=" + tok)
	if a.code != 200 || a.body != "<script>alert(5)</script>" {
		t.Fatalf("download: %d %q", a.code, a.body)
	}
	checkDownloadHeaders(t, a, "application/octet-stream", `attachment; filename="<img src=x onerror=alert(4)>.txt"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%284%29%3E.txt`)
	bAtt := e.detail(e.b.Key).Messages[0].Attachments[0].ID
	for _, p := range []string{
		"/t/" + e.a.Key + "/attachments/1.1",                      // no token
		"/t/" + e.a.Key + "/attachments/1.1?k=" + otherToken(tok), // wrong token
		"/t/" + e.a.Key + "/attachments/" + bAtt + "?k=" + tok,    // another ticket's file through this one
		"/t/" + e.b.Key + "/attachments/" + bAtt + "?k=" + tok,    // another ticket with this token
	} {
		if a := c.get(p); a.code != http.StatusNotFound || a.body != "404 page not found\n" {
			t.Errorf("%s: %d", p, a.code)
		}
	}
}

func TestCustomerReplyFromThePage(t *testing.T) {
	e := newPageEnv(t)
	e.update(func(tx tickets.Tx) error {
		_, err := tx.SetStatus(e.a.Key, "carla", tickets.StatusResolved)
		return err
	})
	before := len(e.outbox())
	c := e.browser()
	tok := e.ticketTok(e.a.Key)
	path := "/t/" + e.a.Key + "/reply?k=" + tok
	// Without the token in the form (a forged post), or from another site: refused.
	if a := c.postMultipart(path, map[string]string{"text": "x"}); a.code != http.StatusForbidden {
		t.Errorf("no form token: %d", a.code)
	}
	if a := c.postMultipart("/t/"+e.a.Key+"/reply", map[string]string{"k": tok, "text": "x"}); a.code != http.StatusNotFound {
		t.Errorf("no URL token: %d", a.code)
	}
	if a := c.postMultipart("/t/"+e.b.Key+"/reply?k="+tok, map[string]string{"k": tok, "text": "x"}); a.code != http.StatusNotFound {
		t.Errorf("another ticket: %d", a.code)
	}
	if a := c.postMultipart(path, map[string]string{"k": tok, "text": "x"}, upload{"run.exe", "application/octet-stream", "MZ"}); a.code != http.StatusBadRequest || !strings.Contains(a.body, "run.exe: tipo não permitido") {
		t.Errorf("refused file: %d", a.code)
	}
	if n := len(e.detail(e.a.Key).Messages); n != 2 {
		t.Fatalf("refused posts added messages: %d", n)
	}
	a := c.postMultipart(path, map[string]string{"k": tok, "text": "Voltou a dar erro."}, upload{"tela.png", "image/png", "\x89PNG\r\n\x1a\n"})
	if a.code != http.StatusSeeOther || a.h.Get("Location") != "/t/"+e.a.Key+"?k="+tok+"&done=customer_reply" {
		t.Fatalf("reply: %d %s\n%s", a.code, a.h.Get("Location"), a.body)
	}
	d := e.detail(e.a.Key)
	last := d.Messages[len(d.Messages)-1]
	if last.Direction != tickets.DirIn || last.From != "ana@cliente.com.br" || last.Text != "Voltou a dar erro." || len(last.Attachments) != 1 || last.Attachments[0].ContentType != "image/png" {
		t.Fatalf("customer message %+v", last)
	}
	if d.Status != tickets.StatusOpen {
		t.Errorf("status after the customer's reply: %s", d.Status)
	}
	if len(e.outbox()) != before {
		t.Error("a page reply sent mail back")
	}
	page := c.get(a.h.Get("Location"))
	mustContain(t, "after reply", page.body, "Obrigado: sua mensagem foi adicionada ao chamado.", "Voltou a dar erro.", "tela.png")
	// Analysts see it.
	q := e.loggedIn().get("/tickets/" + e.a.Key)
	mustContain(t, "analyst page", q.body, "Voltou a dar erro.", "Situação: Resolvido → Aberto")
}

func TestCustomerList(t *testing.T) {
	e := newPageEnv(t)
	var other tickets.Ticket
	e.update(func(tx tickets.Tx) error {
		other = tickets.Ticket{Subject: "Segundo pedido", Type: tickets.TypeSupport, Department: "Suporte", Requester: "ana@cliente.com.br"}
		if err := tx.CreateTicket(&other, &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", Text: "preciso de acesso"}); err != nil {
			return err
		}
		_, err := tx.SetStatus(other.Key, "carla", tickets.StatusClosed)
		return err
	})
	c := e.browser()
	link := e.listLink("ana@cliente.com.br")
	a := c.get(link)
	if a.code != 200 {
		t.Fatalf("list: %d", a.code)
	}
	mustContain(t, "list", a.body, "ana@cliente.com.br", other.Key, e.a.Key, "Segundo pedido",
		`href="/t/`+other.Key+`?k=`+e.ticketTok(other.Key)+`"`, `Fechado <span class="count">1</span>`, `Todos <span class="count">2</span>`)
	mustNotContain(t, "list", a.body, e.b.Key, "Dúvida sobre fatura")
	if a := c.get(link + "&status=closed"); !strings.Contains(a.body, other.Key) || strings.Contains(a.body, ">"+e.a.Key+"<") {
		t.Errorf("status filter:\n%s", a.body)
	}
	if a := c.get(link + "&q=acesso"); !strings.Contains(a.body, other.Key) || strings.Contains(a.body, ">"+e.a.Key+"<") {
		t.Errorf("text filter")
	}
	// Words of another customer's ticket find nothing here.
	if a := c.get(link + "&q=boleto"); strings.Contains(a.body, e.b.Key) || !strings.Contains(a.body, "Nenhum chamado.") {
		t.Errorf("search leaked another customer's ticket")
	}
	for _, p := range []string{"/me", "/me?k=", "/me?k=" + e.ticketTok(e.a.Key),
		"/me?k=" + url.QueryEscape(otherToken(e.listTok("ana@cliente.com.br")))} {
		if a := c.get(p); a.code != http.StatusNotFound || a.body != "404 page not found\n" {
			t.Errorf("%s: %d", p, a.code)
		}
	}
}

// otherToken is tok with its first character changed: a token that looks
// right and is wrong (prefixing a fixed letter would keep a token that
// already starts with it).
func otherToken(tok string) string {
	if tok[0] == 'x' {
		return "y" + tok[1:]
	}
	return "x" + tok[1:]
}
