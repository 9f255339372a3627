package mailin_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// TestHandoffMemoryBudget: a handed-off message (spooled, being large)
// that cannot get the memory budget within BudgetWait is answered 451
// 4.3.1, a temporary failure that makes deliver exit 75; with the budget
// free it is stored byte for byte.
func TestHandoffMemoryBudget(t *testing.T) {
	mem, err := budget.New(64<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	opts := corpusOptions()
	opts.Budget, opts.SpoolDir = mem, t.TempDir()
	g, st := newIngester(t, opts)
	path, _ := startHandoff(t, g, mailin.HandoffOptions{BudgetWait: 50 * time.Millisecond})
	raw, _ := bigMail(2, 1, 2_000_000)
	env := mailin.Envelope{Recipients: []string{"suporte@acme.com.br"}}

	hold, err := mem.Acquire(context.Background(), mem.Capacity())
	if err != nil {
		t.Fatal(err)
	}
	_, err = handOff(t, path, env, raw)
	var he *mailin.HandoffError
	if !errors.As(err, &he) || he.Code != 451 || he.Status != "4.3.1" || !he.Temporary() {
		t.Fatalf("budget busy: %v, want 451 4.3.1", err)
	}
	hold()
	res, err := handOff(t, path, env, raw)
	if err != nil || res.Outcome != tickets.Created {
		t.Fatalf("budget free: %+v %v", res, err)
	}
	err = st.View(context.Background(), func(v tickets.View) error {
		d, err := v.Detail(res.Ticket)
		if err != nil {
			return err
		}
		stored, err := v.Raw(d.Messages[0].InboundID)
		if err == nil && !bytes.Equal(stored, raw) {
			t.Errorf("raw: %d bytes stored, want the %d sent, identical", len(stored), len(raw))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
