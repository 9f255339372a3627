package main

import (
	"context"
	"fmt"
	"os/signal"
	"sync"
	"syscall"
)

// serve opens the store, runs the outbox worker (and, as they are built,
// the listeners, the IMAP poller and the web view) until SIGINT or SIGTERM,
// then waits for them and closes the store cleanly. Holding the store is
// what keeps one writer at a time.
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
	worker, err := newWorker(cfg, st, log)
	if err != nil {
		st.Close()
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := worker.Run(ctx); err != nil {
			log.Error("outbox worker stopped", "error", err)
		}
	})
	log.Info("serving", "data_dir", cfg.DataDir, "addresses", len(cfg.Addresses), "prefix", cfg.TicketPrefix,
		"outbound", cfg.Outbound.Transport)
	<-ctx.Done()
	log.Info("shutting down")
	wg.Wait()
	if err := st.Close(); err != nil {
		log.Error("close store", "error", err)
		return exitSoftware
	}
	log.Info("stopped")
	return exitOK
}
