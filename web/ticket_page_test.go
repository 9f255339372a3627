package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
)

func TestTicketPageShowsThreadAndHistory(t *testing.T) {
	e := newPageEnv(t)
	e.update(func(tx tickets.Tx) error {
		if _, err := tx.Reply(e.a.Key, "carla", "Pode mandar um print?", nil); err != nil {
			return err
		}
		_, err := tx.SetStatus(e.a.Key, "carla", tickets.StatusWaitingCustomer)
		return err
	})
	b := e.loggedIn()
	a := b.get("/tickets/" + strings.ToLower(e.a.Key))
	if a.code != 200 {
		t.Fatalf("ticket page: %d", a.code)
	}
	in := strings.Index(a.body, `class="msg msg-in"`)
	note := strings.Index(a.body, `class="msg msg-note"`)
	out := strings.Index(a.body, `class="msg msg-out"`)
	if in < 0 || note < in || out < note {
		t.Fatalf("thread not in order or not distinct: in %d note %d out %d", in, note, out)
	}
	mustContain(t, "ticket page", a.body,
		`<strong class="who">Cliente</strong>`, `<strong class="who">Nota interna</strong>`, `<strong class="who">Analista</strong>`,
		secretNote, "Pode mandar um print?",
		`href="/tickets/`+e.a.Key+`/attachments/1.1"`, // the attachment as a download link
		"Anexos não aceitos:", "setup&lt;script&gt;.exe: tipo não permitido",
		"Mensagem completa como recebida", "&gt; citação antiga",
		"Situação: Aberto → Aguardando cliente", "Chamado aberto (Aberto)",
		`name="files" multiple accept=".pdf,.txt,.png"`, "pdf, txt, png", "1 MiB",
		`<option value="waiting_customer" selected>`, `<option value="Financeiro">`)
	if a := b.get("/tickets/SUP-9999"); a.code != http.StatusNotFound {
		t.Errorf("unknown ticket: %d", a.code)
	}
}

func TestReplyWithAttachmentGoesToTheOutbox(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	before := len(e.outbox())
	a := b.postMultipart("/tickets/"+e.a.Key+"/reply", map[string]string{"csrf": b.csrf, "text": "Segue o relatório corrigido."},
		upload{"relatório final.pdf", "application/pdf", "%PDF-1.7 bytes"}, upload{"", "application/octet-stream", ""})
	if a.code != http.StatusSeeOther || a.h.Get("Location") != "/tickets/"+e.a.Key+"?done=reply" {
		t.Fatalf("reply: %d %s\n%s", a.code, a.h.Get("Location"), a.body)
	}
	out := e.outbox()
	if len(out) != before+1 {
		t.Fatalf("outbox: %d entries, want %d", len(out), before+1)
	}
	entry := out[len(out)-1]
	if entry.Kind != tickets.MailReply || entry.Ticket != e.a.Key || entry.To != "ana@cliente.com.br" || entry.Text != "Segue o relatório corrigido." ||
		len(entry.Attachments) != 1 || entry.Attachments[0].Filename != "relatório final.pdf" || entry.Attachments[0].ContentType != "application/pdf" || entry.Attachments[0].Size != 14 {
		t.Fatalf("outbox entry %+v", entry)
	}
	var data []byte
	_ = e.st.View(context.Background(), func(v tickets.View) error { data, _ = v.AttachmentData(entry.Attachments[0].ID); return nil })
	if string(data) != "%PDF-1.7 bytes" {
		t.Errorf("stored attachment %q", data)
	}
	d := e.detail(e.a.Key)
	last := d.Messages[len(d.Messages)-1]
	if last.Direction != tickets.DirOut || last.From != "carla" || last.MessageID != entry.MessageID {
		t.Errorf("reply message %+v", last)
	}
	if page := b.get("/tickets/" + e.a.Key + "?done=reply"); !strings.Contains(page.body, "Resposta enviada ao cliente.") {
		t.Error("no notice after the reply")
	}
}

// TestUploadNameAndType: the page applies the mail rules to an upload
// (D14, D15): format characters leave the name before the extension is
// checked, and the stored type follows the bytes and the extension, not
// what the browser claimed.
func TestUploadNameAndType(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	a := b.postMultipart("/tickets/"+e.a.Key+"/reply", map[string]string{"csrf": b.csrf, "text": "Segue."},
		upload{"photo\u202egpj.pdf", "image/jpeg", "<html><script>alert(1)</script>"},
		upload{"C:\\fakepath\\te\u200bla.png", "text/html", "\x89PNG\r\n\x1a\n\x00\x00"})
	if a.code != http.StatusSeeOther {
		t.Fatalf("reply: %d\n%s", a.code, a.body)
	}
	out := e.outbox()
	atts := out[len(out)-1].Attachments
	if len(atts) != 2 || atts[0].Filename != "photogpj.pdf" || atts[0].ContentType != "application/octet-stream" ||
		atts[1].Filename != "tela.png" || atts[1].ContentType != "image/png" {
		t.Fatalf("stored %+v", atts)
	}
	a = b.postMultipart("/tickets/"+e.a.Key+"/reply", map[string]string{"csrf": b.csrf, "text": "Segue."},
		upload{"invoice\u202efdp.exe", "application/pdf", "MZ"})
	if a.code != http.StatusBadRequest || !strings.Contains(a.body, "invoicefdp.exe: tipo não permitido") {
		t.Errorf("an .exe shown as .pdf: %d\n%s", a.code, a.body)
	}
}

func TestReplyRefusedAttachmentStoresNothing(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	before, msgs := len(e.outbox()), len(e.detail(e.a.Key).Messages)
	for _, tc := range []struct {
		name  string
		text  string
		files []upload
		want  string
	}{
		{"type", "veja o anexo", []upload{{"ok.pdf", "application/pdf", "x"}, {"virus.exe", "application/x-msdownload", "MZ"}}, "virus.exe: tipo não permitido"},
		{"size", "veja o anexo", []upload{{"big.txt", "text/plain", strings.Repeat("x", 1<<20+1)}}, "big.txt: maior que o limite (1 MiB)"},
		{"empty text", "   ", nil, "O texto está vazio."},
	} {
		a := b.postMultipart("/tickets/"+e.a.Key+"/reply", map[string]string{"csrf": b.csrf, "text": tc.text}, tc.files...)
		if a.code != http.StatusBadRequest || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d\n%s", tc.name, a.code, a.body)
		}
		if tc.text != "   " && !strings.Contains(a.body, ">veja o anexo</textarea>") {
			t.Errorf("%s: the text typed is lost", tc.name)
		}
	}
	// Larger than the whole upload bound: 413, nothing read.
	a := b.postMultipart("/tickets/"+e.a.Key+"/reply", map[string]string{"csrf": b.csrf, "text": "x"}, upload{"huge.pdf", "application/pdf", strings.Repeat("x", 12<<20)})
	if a.code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge upload: %d", a.code)
	}
	if len(e.outbox()) != before || len(e.detail(e.a.Key).Messages) != msgs {
		t.Fatal("a refused reply was stored or sent")
	}
}

func TestNoteIsNotEmailed(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	before := len(e.outbox())
	if a := b.post("/tickets/"+e.a.Key+"/note", url.Values{"text": {"ligar amanhã"}}); a.code != http.StatusSeeOther {
		t.Fatalf("note: %d", a.code)
	}
	d := e.detail(e.a.Key)
	last := d.Messages[len(d.Messages)-1]
	if last.Direction != tickets.DirNote || last.Text != "ligar amanhã" || last.From != "carla" {
		t.Errorf("note %+v", last)
	}
	if len(e.outbox()) != before {
		t.Error("a note was emailed")
	}
	if a := b.post("/tickets/"+e.a.Key+"/note", url.Values{"text": {" "}}); a.code != http.StatusBadRequest {
		t.Errorf("empty note: %d", a.code)
	}
}

func TestChangesAreEventsAndStatusNotifies(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	before := len(e.outbox())
	for _, p := range []struct{ path, field, value string }{
		{"status", "status", "resolved"},
		{"type", "type", "improvement"},
		{"department", "department", "Financeiro"},
		{"assignee", "assignee", "carla"},
	} {
		if a := b.post("/tickets/"+e.a.Key+"/"+p.path, url.Values{p.field: {p.value}}); a.code != http.StatusSeeOther || !strings.HasSuffix(a.h.Get("Location"), "?done=changed") {
			t.Fatalf("%s: %d %s", p.path, a.code, a.body)
		}
	}
	d := e.detail(e.a.Key)
	if d.Status != tickets.StatusResolved || d.Type != tickets.TypeImprovement || d.Department != "Financeiro" || d.Assignee != "carla" {
		t.Fatalf("ticket %+v", d.Ticket)
	}
	kinds := map[string]tickets.Event{}
	for _, ev := range d.Events {
		kinds[ev.Kind] = ev
	}
	if ev := kinds[tickets.EventStatus]; ev.Actor != "carla" || ev.From != "open" || ev.To != "resolved" {
		t.Errorf("status event %+v", ev)
	}
	for _, k := range []string{tickets.EventType, tickets.EventDepartment, tickets.EventAssignee} {
		if kinds[k].Actor != "carla" {
			t.Errorf("no %s event: %+v", k, d.Events)
		}
	}
	out := e.outbox()
	if len(out) != before+1 || out[len(out)-1].Kind != tickets.MailStatus || out[len(out)-1].Status != tickets.StatusResolved {
		t.Fatalf("outbox after the changes: %+v", out[before:])
	}
	for _, p := range []struct{ path, field, value string }{
		{"status", "status", "done"}, {"type", "type", "bugs"}, {"department", "department", " "},
	} {
		if a := b.post("/tickets/"+e.a.Key+"/"+p.path, url.Values{p.field: {p.value}}); a.code != http.StatusBadRequest {
			t.Errorf("%s=%q: %d", p.path, p.value, a.code)
		}
	}
	if a := b.post("/tickets/SUP-9999/status", url.Values{"status": {"closed"}}); a.code != http.StatusNotFound {
		t.Errorf("status of an unknown ticket: %d", a.code)
	}
	page := b.get("/tickets/" + e.a.Key)
	mustContain(t, "history", page.body, "Tipo: Reportar bug → Sugerir melhoria", "Departamento: Suporte → Financeiro", "Responsável: — → carla")
}

func TestAnalystAttachmentDownload(t *testing.T) {
	e := newPageEnv(t)
	b := e.loggedIn()
	a := b.get("/tickets/" + e.a.Key + "/attachments/1.1")
	if a.code != 200 || a.body != "<script>alert(5)</script>" {
		t.Fatalf("download: %d %q", a.code, a.body)
	}
	checkDownloadHeaders(t, a, "application/octet-stream", `attachment; filename="<img src=x onerror=alert(4)>.txt"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%284%29%3E.txt`)
	// An attachment of another ticket is not found through this one.
	bAtt := e.detail(e.b.Key).Messages[0].Attachments[0].ID
	if a := b.get("/tickets/" + e.a.Key + "/attachments/" + bAtt); a.code != http.StatusNotFound {
		t.Errorf("other ticket's attachment: %d", a.code)
	}
	if a := e.browser().get("/tickets/" + e.a.Key + "/attachments/1.1"); a.code != http.StatusSeeOther {
		t.Errorf("download without login: %d", a.code)
	}
}

// checkDownloadHeaders checks that a file is served as a download of its
// stored type, never to be shown or sniffed.
func checkDownloadHeaders(t *testing.T, a answer, ctype, disposition string) {
	t.Helper()
	if got := a.h.Get("Content-Type"); got != ctype {
		t.Errorf("Content-Type %q, want %q", got, ctype)
	}
	if got := a.h.Get("Content-Disposition"); got != disposition {
		t.Errorf("Content-Disposition %q, want %q", got, disposition)
	}
	if a.h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(a.h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("headers %v", a.h)
	}
}

// TestStoredFormatCharactersNotShown: a file name stored before names
// were cleaned on the way in still reaches no page or download with its
// right-to-left override.
func TestStoredFormatCharactersNotShown(t *testing.T) {
	e := newPageEnv(t)
	e.update(func(tx tickets.Tx) error {
		_, err := tx.AppendMessage(e.a.Key, &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", Text: "foto",
			Attachments: []tickets.Attachment{{Filename: "photo\u202egpj.pdf", ContentType: "application/pdf", Size: 4, Data: []byte("%PDF")}},
			Rejected:    []tickets.Rejected{{Filename: "invoice\u202efdp.exe", Reason: tickets.RefusedType}}})
		return err
	})
	b := e.loggedIn()
	page := b.get("/tickets/" + e.a.Key)
	mustContain(t, "ticket page", page.body, "photogpj.pdf", "invoicefdp.exe")
	mustNotContain(t, "ticket page", page.body, "\u202e")
	d := e.detail(e.a.Key)
	att := d.Messages[len(d.Messages)-1].Attachments[0]
	a := b.get("/tickets/" + e.a.Key + "/attachments/" + att.ID)
	if cd := a.h.Get("Content-Disposition"); a.code != 200 || strings.Contains(cd, "%E2%80%AE") || !strings.Contains(cd, `filename="photogpj.pdf"`) {
		t.Fatalf("download %d: %s", a.code, cd)
	}
}

// TestStoredTypeFollowsContent (security audit D15): attachments stored
// before types followed content keep the sender's claim in their record;
// they are served with the type of their bytes, to analysts and customers.
func TestStoredTypeFollowsContent(t *testing.T) {
	e := newPageEnv(t)
	e.update(func(tx tickets.Tx) error {
		_, err := tx.AppendMessage(e.a.Key, &tickets.Message{Direction: tickets.DirIn, From: "ana@cliente.com.br", Text: "anexos",
			Attachments: []tickets.Attachment{
				{Filename: "report.pdf", ContentType: "text/html", Size: 30, Data: []byte("<html><script>alert(1)</script>")},
				{Filename: "image.png", ContentType: "image/svg+xml", Size: 60, Data: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)},
				{Filename: "boleto.pdf", ContentType: "text/html", Size: 8, Data: []byte("%PDF-1.4")},
			}})
		return err
	})
	d := e.detail(e.a.Key)
	atts := d.Messages[len(d.Messages)-1].Attachments
	want := []string{"application/octet-stream", "application/octet-stream", "application/pdf"}
	b := e.loggedIn()
	for i, att := range atts {
		for _, path := range []string{"/tickets/" + e.a.Key + "/attachments/" + att.ID, "/t/" + e.a.Key + "/attachments/" + att.ID + "?k=" + e.ticketTok(e.a.Key)} {
			a := b.get(path)
			if a.code != 200 || a.h.Get("Content-Type") != want[i] {
				t.Errorf("%s (stored as %s) at %s: %d, Content-Type %q, want %q", att.Filename, att.ContentType, path, a.code, a.h.Get("Content-Type"), want[i])
			}
		}
	}
}
