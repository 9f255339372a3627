package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/tickets"
)

// secret rotates the store's secret, which signs the deep links (and the
// analysts' CSRF tokens): after a leak of the database or of many links.
// Links signed with the old secret keep working for the grace, so that
// customers are not all cut off at once; -grace 0 cuts them off now. It
// runs with serve stopped, like the other commands that write.
func (e *env) secret(ctx context.Context, args []string) int {
	const use = "ticketgw secret rotate [-config FILE] [-grace DURATION (default 7d; 0: none)]"
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintf(e.stderr, "usage: %s\n", use)
		return exitUsage
	}
	fs, cfgPath := newFlags("secret rotate", e.stderr)
	graceText := fs.String("grace", "7d", "how long links signed with the previous secret keep working (\"7d\", \"12h\", \"0\")")
	if _, ok := e.parseCommand(fs, args[1:], 0, 0, use); !ok {
		return exitUsage
	}
	grace, err := config.ParseDuration(*graceText)
	if err == nil && grace < 0 {
		err = fmt.Errorf("%q is negative", *graceText)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: -grace: %v\n", err)
		return exitUsage
	}
	_, st, code := e.openWith(*cfgPath, storeWrite)
	if st == nil {
		return code
	}
	defer st.Close()
	var keys tickets.LinkKeys
	err = st.Update(ctx, func(tx tickets.Tx) error {
		var err error
		keys, err = tx.RotateSecret(grace)
		return err
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: secret rotate: %v\n", err)
		return exitSoftware
	}
	if grace > 0 {
		fmt.Fprintf(e.stdout, "secret rotated; links signed with the previous one work until %s\n", keys.PreviousUntil.Local().Format(time.RFC3339))
	} else {
		fmt.Fprintln(e.stdout, "secret rotated; links signed with the previous one no longer work")
	}
	return exitOK
}
