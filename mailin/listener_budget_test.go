package mailin_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// TestListenerMemoryBudget: a received message waits for the memory budget
// before it is parsed and stored. One that cannot get it within
// BudgetWait is answered 451 4.3.1 (the sender keeps it and retries), large
// (spooled) or small; one that gets it while waiting is stored, its raw
// bytes and attachments identical to what was sent.
func TestListenerMemoryBudget(t *testing.T) {
	mem, err := budget.New(64<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	opts := corpusOptions()
	opts.Budget, opts.SpoolDir = mem, t.TempDir()
	g, st := newIngester(t, opts)
	short := startListener(t, g, mailin.ListenerOptions{BudgetWait: 50 * time.Millisecond})
	long := startListener(t, g, mailin.ListenerOptions{BudgetWait: time.Minute})
	raw, files := bigMail(1, 2, 3_000_000) // about 8 MB: spooled
	small := []byte("From: c@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: oi\r\nMessage-ID: <small-1@cliente>\r\n\r\nolá\r\n")

	hold, err := mem.Acquire(context.Background(), mem.Capacity())
	if err != nil {
		t.Fatal(err)
	}
	for name, msg := range map[string][]byte{"large": raw, "small": small} {
		_, err := sendMail(dial(t, short, false), "c@cliente.com.br", []string{"suporte@acme.com.br"}, msg)
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 1}) {
			t.Fatalf("%s message, budget busy past the wait: %v, want 451 4.3.1", name, err)
		}
	}
	if u, j := mem.InUse(); u != mem.Capacity() || j != 1 {
		t.Fatalf("refused messages left %d bytes / %d jobs in use", u, j)
	}

	// Within the wait: the message is answered once the budget frees up.
	type answer struct {
		text string
		err  error
	}
	got := make(chan answer, 1)
	c := dial(t, long, false)
	go func() {
		text, err := sendMail(c, "c@cliente.com.br", []string{"suporte@acme.com.br"}, raw)
		got <- answer{text, err}
	}()
	for mem.Waiting() == 0 {
		select {
		case a := <-got:
			t.Fatalf("answered while the budget was held: %+v", a)
		case <-time.After(time.Millisecond):
		}
	}
	hold()
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	res, err := mailin.ParseReply(a.text)
	if err != nil || res.Outcome != tickets.Created {
		t.Fatalf("reply %q: %+v %v", a.text, res, err)
	}
	err = st.View(context.Background(), func(v tickets.View) error {
		d, err := v.Detail(res.Ticket)
		if err != nil {
			return err
		}
		m := d.Messages[0]
		stored, err := v.Raw(m.InboundID)
		if err != nil {
			return err
		}
		if !bytes.Equal(stored, raw) {
			t.Errorf("raw: %d bytes stored, want the %d sent, identical", len(stored), len(raw))
		}
		if len(m.Attachments) != len(files) {
			t.Fatalf("attachments %+v", m.Attachments)
		}
		for i, at := range m.Attachments {
			data, err := v.AttachmentData(at.ID)
			if err != nil {
				return err
			}
			if !bytes.Equal(data, files[i]) {
				t.Errorf("attachment %s: %d bytes, want %d identical", at.Filename, len(data), len(files[i]))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if u, j := mem.InUse(); u != 0 || j != 0 {
		t.Fatalf("after the message: %d bytes / %d jobs in use", u, j)
	}
}
