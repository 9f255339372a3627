package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

var rowKey = regexp.MustCompile(`<tr><td><a href="/tickets/(SUP-\d+)">`)

// keys lists the tickets of a queue page, in order.
func keys(body string) []string {
	var out []string
	for _, m := range rowKey.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestQueueFiltersAndPages(t *testing.T) {
	e := newPageEnv(t, func(o *web.Options) { o.PageSize = 2 })
	var c, d tickets.Ticket
	e.update(func(tx tickets.Tx) error {
		c = tickets.Ticket{Subject: "Impressora", Type: tickets.TypeSupport, Department: "Suporte", Requester: "caio@x.com"}
		if err := tx.CreateTicket(&c, &tickets.Message{Direction: tickets.DirIn, From: "caio@x.com", Text: "não imprime a nota fiscal"}); err != nil {
			return err
		}
		d = tickets.Ticket{Subject: "Sugestão de relatório", Type: tickets.TypeImprovement, Department: "Produto", Requester: "ana@cliente.com.br"}
		if err := tx.CreateTicket(&d, &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", Text: "um relatório mensal"}); err != nil {
			return err
		}
		return nil
	})
	// Ticket a is touched last: it leads the queue.
	e.update(func(tx tickets.Tx) error {
		if _, err := tx.SetAssignee(e.b.Key, "carla", "davi"); err != nil {
			return err
		}
		_, err := tx.SetStatus(e.a.Key, "carla", tickets.StatusResolved)
		return err
	})
	b := e.loggedIn()
	q := b.get("/tickets")
	if got := keys(q.body); len(got) != 2 || got[0] != e.a.Key || got[1] != e.b.Key {
		t.Fatalf("page 1: %v", got)
	}
	mustContain(t, "queue", q.body, `href="/tickets?page=2" rel="next"`, "1–2 de 4",
		`Todos <span class="count">4</span>`, `Resolvido <span class="count">1</span>`, `Aberto <span class="count">3</span>`)
	q = b.get("/tickets?page=2")
	if got := keys(q.body); len(got) != 2 || got[0] != d.Key || got[1] != c.Key {
		t.Fatalf("page 2: %v", got)
	}
	mustContain(t, "page 2", q.body, `href="/tickets" rel="prev"`, "3–4 de 4")
	mustNotContain(t, "page 2", q.body, `rel="next"`)

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"status=resolved", []string{e.a.Key}},
		{"status=open", []string{e.b.Key, d.Key}}, // page 1 of 3
		{"type=improvement", []string{d.Key}},
		{"department=financeiro", []string{e.b.Key}},
		{"assignee=davi", []string{e.b.Key}},
		{"requester=ana%40cliente.com.br", []string{e.a.Key, d.Key}},
		{"q=nota+fiscal", []string{c.Key}},
		{"q=RELATORIO", []string{d.Key}}, // any case, accents ignored
		{"q=boleto&department=Financeiro", []string{e.b.Key}},
		{"q=boleto&department=Suporte", nil},
	} {
		a := b.get("/tickets?" + tc.query)
		if got := keys(a.body); a.code != 200 || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %d %v, want %v", tc.query, a.code, got, tc.want)
		}
	}
	// The tabs keep the other filters and count without the status filter.
	a := b.get("/tickets?requester=ana%40cliente.com.br&status=open")
	mustContain(t, "filtered tabs", a.body, `href="/tickets?requester=ana%40cliente.com.br&amp;status=resolved"`,
		`Resolvido <span class="count">1</span>`, `Todos <span class="count">2</span>`, `name="status" value="open"`, `value="ana@cliente.com.br"`)
	if a := b.get("/tickets?status=done"); a.code != http.StatusBadRequest {
		t.Errorf("bad status: %d", a.code)
	}
	if a := b.get("/tickets?q=nadaassim"); !strings.Contains(a.body, "Nenhum chamado encontrado") {
		t.Error("no empty-queue message")
	}
}
