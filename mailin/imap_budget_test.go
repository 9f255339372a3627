package mailin_test

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/ticketgw/ticketgw/internal/budget"
)

// TestPollerWaitsForBudget: a fetched message waits for the memory budget
// before it is ingested, and stays unseen on the server meanwhile; once
// the budget frees up it is filed and marked.
func TestPollerWaitsForBudget(t *testing.T) {
	mem, err := budget.New(64<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	srv := startMemIMAP(t)
	srv.append(t, "INBOX", imapMail(1))
	opts := corpusOptions()
	opts.Budget = mem
	g, st := newIngester(t, opts)
	hold, err := mem.Acquire(context.Background(), mem.Capacity())
	if err != nil {
		t.Fatal(err)
	}
	stop := runPoller(t, g, st, pollerOptions(srv.addr, "seen"))
	defer stop()
	eventually(t, "the poller waiting for the budget", func() bool { return mem.Waiting() == 1 })
	if n := countTickets(t, st); n != 0 {
		t.Fatalf("%d tickets while the budget was held", n)
	}
	for _, f := range srv.flags(t, "INBOX") {
		if hasFlag(f, imap.FlagSeen) {
			t.Fatal("marked seen before it was ingested")
		}
	}
	hold()
	eventually(t, "the ticket", func() bool { return countTickets(t, st) == 1 })
	eventually(t, "the flag", func() bool {
		for _, f := range srv.flags(t, "INBOX") {
			if !hasFlag(f, imap.FlagSeen) {
				return false
			}
		}
		return true
	})
}
