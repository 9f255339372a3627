package main

import (
	"context"
	"log/slog"
	"time"
)

// indexWarmer is a store whose search index is kept in memory and can be
// brought up to date ahead of a search (the bbolt store's).
type indexWarmer interface {
	WarmIndex(ctx context.Context) error
}

// searchCatchUp is how often serve brings the search index up to date, so
// that the first search after a burst of mail does not pay for it.
const searchCatchUp = 10 * time.Second

// keepIndexWarm builds the search index at start (seconds for 100,000
// tickets, while everything else already serves) and then catches it up
// with the change log every searchCatchUp, until ctx ends. A failure is
// logged only: searches build or catch up the index themselves.
func keepIndexWarm(ctx context.Context, w indexWarmer, log *slog.Logger) {
	start := time.Now()
	if err := w.WarmIndex(ctx); err != nil {
		if ctx.Err() == nil {
			log.Warn("search index not built", "error", err)
		}
	} else {
		log.Info("search index ready", "took", time.Since(start).Round(time.Millisecond))
	}
	t := time.NewTicker(searchCatchUp)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.WarmIndex(ctx); err != nil && ctx.Err() == nil {
				log.Warn("search index catch-up", "error", err)
			}
		}
	}
}
