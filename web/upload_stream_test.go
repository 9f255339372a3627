package web_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// TestUploadWaitsForBudget: a reply with files waits for the memory budget
// it shares with mail; when the budget stays busy past BudgetWait the page
// answers 503 with the text kept and stores nothing, and once the budget is
// free the same post is stored with its file byte-identical.
func TestUploadWaitsForBudget(t *testing.T) {
	mem, err := budget.New(10<<20, 4)
	if err != nil {
		t.Fatal(err)
	}
	spool := t.TempDir()
	e := newPageEnv(t, func(o *web.Options) {
		o.Budget, o.BudgetWait, o.SpoolDir = mem, 50*time.Millisecond, spool
	})
	c := e.browser()
	tok := e.ticketTok(e.a.Key)
	path := "/t/" + e.a.Key + "/reply?k=" + tok
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 900<<10)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	copy(data, "%PDF-1.4\n")
	file := upload{"laudo.pdf", "application/pdf", string(data)}
	before := len(e.detail(e.a.Key).Messages)

	hold, err := mem.Acquire(context.Background(), mem.Capacity())
	if err != nil {
		t.Fatal(err)
	}
	a := c.postMultipart(path, map[string]string{"k": tok, "text": "Segue o laudo assinado."}, file)
	if a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "Segue o laudo assinado.") || !strings.Contains(a.body, "ocupado") {
		t.Fatalf("budget busy: %d, want 503 with the text kept\n%.2000s", a.code, a.body)
	}
	if n := len(e.detail(e.a.Key).Messages); n != before {
		t.Fatalf("a post refused for the budget stored a message: %d, want %d", n, before)
	}
	hold()
	a = c.postMultipart(path, map[string]string{"k": tok, "text": "Segue o laudo assinado."}, file)
	if a.code != http.StatusSeeOther {
		t.Fatalf("budget free: %d\n%.2000s", a.code, a.body)
	}
	d := e.detail(e.a.Key)
	last := d.Messages[len(d.Messages)-1]
	if len(last.Attachments) != 1 || last.Attachments[0].Size != int64(len(data)) {
		t.Fatalf("stored attachments %+v", last.Attachments)
	}
	var got []byte
	_ = e.st.View(context.Background(), func(v tickets.View) error {
		got, err = v.AttachmentData(last.Attachments[0].ID)
		return err
	})
	if err != nil || string(got) != string(data) {
		t.Fatalf("stored file: %d bytes, %v; want the %d posted, identical", len(got), err, len(data))
	}
	if u, j := mem.InUse(); u != 0 || j != 0 {
		t.Fatalf("after the post: %d bytes, %d jobs still held", u, j)
	}
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Fatalf("spool files left behind: %v", left)
	}
}

// TestUploadOverLimitRefusedWhileStreaming: a file past the policy's size
// is refused (400, the form kept) and never stored, and so is one of a
// refused type, without spooling it.
func TestUploadOverLimitRefusedWhileStreaming(t *testing.T) {
	spool := t.TempDir()
	e := newPageEnv(t, func(o *web.Options) { o.SpoolDir = spool })
	c := e.browser()
	tok := e.ticketTok(e.a.Key)
	path := "/t/" + e.a.Key + "/reply?k=" + tok
	before := len(e.detail(e.a.Key).Messages)
	big := upload{"grande.pdf", "application/pdf", "%PDF-1.4\n" + strings.Repeat("x", 1<<20)}
	a := c.postMultipart(path, map[string]string{"k": tok, "text": "Arquivo grande."}, big)
	if a.code != http.StatusBadRequest || !strings.Contains(a.body, "grande.pdf: maior que o limite") || !strings.Contains(a.body, "Arquivo grande.") {
		t.Fatalf("file over the limit: %d\n%.2000s", a.code, a.body)
	}
	if n := len(e.detail(e.a.Key).Messages); n != before {
		t.Fatalf("a refused post stored a message")
	}
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Fatalf("spool files left behind: %v", left)
	}
}
