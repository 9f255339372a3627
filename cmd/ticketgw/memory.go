package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/internal/config"
)

// memoryBudget is the one budget that serve's ingests (SMTP, LMTP,
// hand-off, IMAP) and web uploads share ([memory]).
func memoryBudget(cfg *config.Config) (*budget.Budget, error) {
	b, err := budget.New(cfg.Memory.BudgetBytes, cfg.Memory.MaxInFlight)
	if err != nil {
		return nil, fmt.Errorf("memory: %w", err)
	}
	return b, nil
}

// spoolDir holds the temporary files of large messages and uploads while
// they wait for the budget: in data_dir, so on the store's filesystem
// rather than a small /tmp.
func spoolDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "spool") }

// limitHeap keeps the Go runtime's soft memory limit at the budget plus
// what serve holds when no job is in flight (the search index above all,
// which grows with the store: about 0.65 KB a ticket), unless the operator
// set GOMEMLIMIT. Without a limit the collector lets the heap grow to twice
// what is live, so that the garbage of the large jobs the budget admits
// doubled their cost; a limit of the budget alone would have the collector
// run without pause once a large store's index passes it. The baseline is
// read again every interval while the budget is idle, so the limit follows
// the index as the store grows. It runs until ctx ends.
func limitHeap(ctx context.Context, budgetBytes int64, mem *budget.Budget, every time.Duration) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		if n, _ := mem.InUse(); n > 0 {
			return // the live heap holds jobs: not a baseline
		}
		metrics.Read(sample)
		var live int64
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = int64(sample[0].Value.Uint64())
		}
		debug.SetMemoryLimit(budgetBytes + live)
	}
	set()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			set()
		}
	}
}
