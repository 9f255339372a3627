package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

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

// limitHeap sets the Go runtime's soft memory limit to the budget, unless
// the operator set GOMEMLIMIT: without it the collector lets the heap grow
// to twice what is live, so that the garbage of the large jobs admitted by
// the budget doubled their cost. The limit is soft: the live heap of the
// jobs admitted, and the rest of serve, may go past it, at the price of
// more frequent collections while they do (measured: faster than without
// it, since less memory is touched).
func limitHeap(cfg *config.Config) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cfg.Memory.BudgetBytes)
	}
}
