package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

const token = "tgw_test-token-for-carla"

// fixture is a store with two tickets, an analyst with an API token and the
// web server over it.
func fixture(t *testing.T) (*tickets.BoltStore, *httptest.Server, []tickets.Ticket) {
	t.Helper()
	st, err := tickets.Open(filepath.Join(t.TempDir(), "ticketgw.db"), tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var made []tickets.Ticket
	err = st.Update(context.Background(), func(tx tickets.Tx) error {
		for _, r := range []struct{ from, subject string }{{"ana@cliente.com.br", "Erro <b>grave</b>"}, {"beto@outra.com", "Dúvida"}} {
			tk := tickets.Ticket{Subject: r.subject, Type: tickets.TypeSupport, Department: "Suporte", Requester: r.from, Address: "suporte@acme.com.br"}
			if err := tx.CreateTicket(&tk, &tickets.Message{Direction: tickets.DirIn, From: r.from, MessageID: "<" + r.from + ">", Text: "texto"}); err != nil {
				return err
			}
			made = append(made, tk)
		}
		if err := tx.PutAnalyst(tickets.Analyst{Name: "carla", PasswordHash: []byte("x")}); err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(token))
		return tx.AddToken("carla", sum[:])
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(st, web.Options{BaseURL: "http://example.test"}))
	t.Cleanup(srv.Close)
	return st, srv, made
}

func call(t *testing.T, srv *httptest.Server, method, path, auth, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestAPIAuth(t *testing.T) {
	_, srv, made := fixture(t)
	for _, auth := range []string{"", "wrong", token + "x"} {
		for _, p := range []struct{ method, path string }{{"GET", "/api/tickets"}, {"GET", "/api/tickets/" + made[0].Key}, {"POST", "/api/tickets/" + made[0].Key + "/status"}} {
			code, body, h := call(t, srv, p.method, p.path, auth, `{"status":"closed"}`)
			if code != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" || strings.Contains(body, "ana@") {
				t.Errorf("%s %s with %q: %d %s", p.method, p.path, auth, code, body)
			}
		}
	}
}

func TestAPIListAndShow(t *testing.T) {
	_, srv, made := fixture(t)
	code, body, h := call(t, srv, "GET", "/api/tickets?requester=ana@cliente.com.br", token, "")
	var list []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != 1 || list[0]["key"] != made[0].Key {
		t.Fatalf("list: %d %s", code, body)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") == "" {
		t.Errorf("headers %v", h)
	}
	for _, k := range []string{"key", "subject", "status", "type", "department", "requester", "assignee", "created_at", "updated_at"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list item lacks %q", k)
		}
	}
	if _, ok := list[0]["messages"]; ok {
		t.Error("list carries messages")
	}
	if code, body, _ := call(t, srv, "GET", "/api/tickets?status=bogus", token, ""); code != 400 {
		t.Errorf("bad status filter: %d %s", code, body)
	}
	code, body, _ = call(t, srv, "GET", "/api/tickets/"+strings.ToLower(made[0].Key), token, "")
	var d tickets.TicketDetail
	if code != 200 || json.Unmarshal([]byte(body), &d) != nil || d.Key != made[0].Key || len(d.Messages) != 1 || len(d.Events) != 1 {
		t.Fatalf("show: %d %s", code, body)
	}
	if strings.Contains(body, "<b>") {
		t.Error("HTML in JSON not escaped")
	}
	if code, _, _ := call(t, srv, "GET", "/api/tickets/SUP-9999", token, ""); code != 404 {
		t.Errorf("unknown ticket: %d", code)
	}
}

func TestAPIReplyAndStatus(t *testing.T) {
	st, srv, made := fixture(t)
	key := made[0].Key
	if code, body, _ := call(t, srv, "POST", "/api/tickets/"+key+"/reply", token, `{"text":"Corrigido na versão 8.3.2."}`); code != 201 || !strings.Contains(body, `"direction":"out"`) {
		t.Fatalf("reply: %d %s", code, body)
	}
	if code, body, _ := call(t, srv, "POST", "/api/tickets/"+key+"/status", token, `{"status":"resolved"}`); code != 200 || !strings.Contains(body, `"status":"resolved"`) {
		t.Fatalf("status: %d %s", code, body)
	}
	for _, bad := range []struct{ path, body string }{
		{"/reply", `{"text":"  "}`}, {"/reply", `{"txt":"x"}`}, {"/reply", `not json`}, {"/status", `{"status":"done"}`},
	} {
		if code, body, _ := call(t, srv, "POST", "/api/tickets/"+key+bad.path, token, bad.body); code != 400 {
			t.Errorf("%s %s: %d %s", bad.path, bad.body, code, body)
		}
	}
	if code, _, _ := call(t, srv, "POST", "/api/tickets/SUP-9999/status", token, `{"status":"closed"}`); code != 404 {
		t.Errorf("status of unknown ticket: %d", code)
	}
	var out []tickets.OutboxEntry
	var d tickets.TicketDetail
	_ = st.View(context.Background(), func(v tickets.View) error {
		out, _ = v.Outbox("")
		d, _ = v.Detail(key)
		return nil
	})
	if len(out) != 2 || out[0].Kind != tickets.MailReply || out[1].Kind != tickets.MailStatus {
		t.Fatalf("outbox %+v", out)
	}
	last := d.Events[len(d.Events)-1]
	if d.Status != tickets.StatusResolved || last.Actor != "carla" || last.To != "resolved" {
		t.Fatalf("ticket %+v event %+v", d.Ticket, last)
	}
}
