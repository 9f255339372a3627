package main

import (
	"fmt"
	"path/filepath"

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
