package mailin_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// TestConcurrentIngest ingests from many goroutines at once (grouped
// commits), every message delivered by two goroutines at the same time, as
// two MX hosts would: each message is one ticket, the other copy a
// duplicate, none lost.
func TestConcurrentIngest(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	const workers, each = 8, 25
	const unique = workers / 2 * each
	results := make(chan mailin.Result, workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("<m%d-%d@cliente.com.br>", w%(workers/2), i)
				raw := mail([]string{"From: c@cliente.com.br", "To: suporte@acme.com.br", "Subject: pedido " + id, "Message-ID: " + id}, "texto\n")
				res, err := g.Ingest(context.Background(), raw, mailin.Envelope{Source: "test"})
				if err != nil {
					t.Error(err)
					return
				}
				results <- res
			}
		}()
	}
	wg.Wait()
	close(results)
	created, dup := map[string]bool{}, 0
	for r := range results {
		switch r.Outcome {
		case tickets.Created:
			if created[r.Ticket] {
				t.Errorf("ticket %s created twice", r.Ticket)
			}
			created[r.Ticket] = true
		case tickets.Duplicate:
			dup++
		default:
			t.Errorf("unexpected %+v", r)
		}
	}
	if len(created) != unique || dup != unique {
		t.Fatalf("%d created, %d duplicates; want %d each", len(created), dup, unique)
	}
	var n int
	_ = st.View(context.Background(), func(v tickets.View) error {
		list, err := v.Tickets(tickets.Filter{})
		n = len(list)
		return err
	})
	if n != unique {
		t.Fatalf("%d tickets in the store", n)
	}
}

// TestIngestStoreDown: when the store cannot commit, Ingest says so and the
// source must not acknowledge; nothing is half-recorded.
func TestIngestStoreDown(t *testing.T) {
	g, st := newIngester(t, corpusOptions())
	st.Close()
	_, err := g.Ingest(context.Background(), mail([]string{"From: a@b.com", "To: suporte@acme.com.br", "Subject: x"}, "y\n"), mailin.Envelope{Source: "test"})
	if err == nil {
		t.Fatal("ingest into a closed store succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g2, _ := newIngester(t, corpusOptions())
	if _, err := g2.Ingest(ctx, mail([]string{"From: a@b.com"}, "y\n"), mailin.Envelope{}); err == nil {
		t.Fatal("ingest with a cancelled context succeeded")
	}
}
