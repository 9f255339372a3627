package mailin_test

import (
	"strings"
	"testing"
	"time"
)

// TestPollerServerStopsAnswering (fault tests D2): the server stops
// answering between responses, keeping the socket open as a hung server
// process does. Before, the poller waited forever in whatever command was
// out (7 minutes measured, until killed) with last_error empty. Now the
// watchdog closes the connection after CommandTimeout of silence, the
// error is recorded while the server stays hung, and once it answers again
// the new mail is taken within the reconnection backoff.
func TestPollerServerStopsAnswering(t *testing.T) {
	const commandTimeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name string
		// after is what the last server chunk to pass holds.
		after string
		// mailFirst: the new mail's EXISTS is what gets through.
		mailFirst bool
		want      string
	}{
		{"after EXISTS, as in D2", "EXISTS", true, "server stopped answering: nothing for 300ms in"},
		{"answer to FETCH withheld", "SEARCH completed", true, "fetch: server stopped answering: nothing for 300ms in fetch"},
		{"silent in IDLE", "", false, "server stopped answering"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startMemIMAP(t)
			srv.append(t, "INBOX", imapMail(0))
			g, st := newIngester(t, corpusOptions())
			opts := pollerOptions(srv.addr, "seen")
			opts.CommandTimeout = commandTimeout
			// A restart of IDLE is what notices a server silent in
			// IDLE; elsewhere it would only blur which command hangs.
			opts.IdleTimeout, opts.IdleRestart = 10*time.Second, 8*time.Second
			bound := commandTimeout + 2*time.Second // room for -race
			if !tc.mailFirst {
				opts.IdleTimeout, opts.IdleRestart = 2*time.Second, 400*time.Millisecond
				bound += opts.IdleRestart
			}
			stop := runPoller(t, g, st, opts)
			defer stop()
			eventually(t, "the first message", func() bool { return countTickets(t, st) == 1 })
			srv.waitIdle(t)

			srv.proxy.freeze(tc.after)
			frozen := time.Now()
			if tc.mailFirst {
				srv.append(t, "INBOX", imapMail(1))
			}
			eventually(t, "the mailbox's error recorded", func() bool { return mailboxState(t, st).LastError != "" })
			// Silent in IDLE is noticed at the restart, the rest after
			// CommandTimeout.
			if d := time.Since(frozen); d > bound {
				t.Errorf("a hung server noticed after %s", d)
			}
			ms := mailboxState(t, st)
			if !strings.Contains(ms.LastError, tc.want) || ms.FailingSince.IsZero() {
				t.Errorf("while hung: last_error %q, failing_since %v; want %q and a time", ms.LastError, ms.FailingSince, tc.want)
			}
			if !tc.mailFirst {
				srv.append(t, "INBOX", imapMail(1))
			}
			if n := countTickets(t, st); n != 1 {
				t.Fatalf("%d tickets while the server is hung", n)
			}

			srv.proxy.thaw()
			thawed := time.Now()
			eventually(t, "the new mail after the server answers again", func() bool { return countTickets(t, st) == 2 })
			// Backoff is at most RetryMax (200ms) plus a reconnection.
			if d := time.Since(thawed); d > opts.RetryMax+commandTimeout+2*time.Second {
				t.Errorf("the new mail was taken %s after the server answered again", d)
			}
			eventually(t, "the error cleared", func() bool {
				ms := mailboxState(t, st)
				return ms.LastError == "" && ms.FailingSince.IsZero() && ms.LastSuccess.After(thawed)
			})
			if n := inboundCount(t, st, ""); n != 2 {
				t.Fatalf("%d inbound records, want 2 (nothing doubled)", n)
			}
		})
	}
}
