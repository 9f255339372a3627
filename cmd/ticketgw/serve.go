package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"
)

// serve opens the store and runs until SIGINT or SIGTERM, then closes it
// cleanly. Holding the store is what keeps one writer at a time; the
// listeners, the IMAP poller, the outbox worker and the web view are
// started here as they are built.
func (e *env) serve(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("serve", e.stderr)
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw serve [-config FILE]"); !ok {
		return exitUsage
	}
	cfg, code := e.loadConfig(*cfgPath)
	if cfg == nil {
		return code
	}
	log := e.logger()
	if _, err := ingestOptions(cfg, log); err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	st, code := e.openStore(cfg)
	if st == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log.Info("serving", "data_dir", cfg.DataDir, "addresses", len(cfg.Addresses), "prefix", cfg.TicketPrefix)
	<-ctx.Done()
	log.Info("shutting down")
	if err := st.Close(); err != nil {
		log.Error("close store", "error", err)
		return exitSoftware
	}
	log.Info("stopped")
	return exitOK
}
