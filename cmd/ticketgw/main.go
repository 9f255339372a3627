// Command ticketgw is the email-driven ticketing gateway: it turns support
// email into tickets, answers customers by email and serves the analysts'
// web view. See README.md for the quick start and DESIGN.md for the
// contracts (commands, config keys, JSON, exit codes).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // the timezone key works where the system has no zone files
)

// Exit codes (sysexits.h), part of the CLI contract: an MTA pipe retries on
// 75 and bounces on the others, so `deliver` uses 75 for everything that
// is not the message's fault, a bad configuration included.
const (
	exitOK       = 0
	exitUsage    = 64 // EX_USAGE
	exitDataErr  = 65 // EX_DATAERR: the message is refused (too large); check: the store has problems
	exitSoftware = 70 // EX_SOFTWARE
	// exitCantCreate (EX_CANTCREAT): backup could not write its copy.
	exitCantCreate = 73
	exitTempFail   = 75 // EX_TEMPFAIL: try again later
	exitConfig     = 78 // EX_CONFIG: bad configuration (every command but deliver)
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what a command reads and writes, so that tests run commands in
// process with their own streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

const usage = `usage: ticketgw COMMAND [flags]

commands:
  serve     [-config FILE]                  run listeners, poller, outbox and web
  deliver   [-config FILE] [-from ADDR] [-rcpt ADDR]... [ADDR...]
                                            ingest one message from stdin; prints one JSON line
  tickets   list [-config FILE] [-json] [-status S]
  tickets   show [-config FILE] [-json] KEY
  customers add|remove|list|revoke-links [-config FILE] [EMAIL [NAME]]
  secret    rotate [-config FILE] [-grace 7d]  new secret for deep links; old links work during the grace
  analyst   add NAME [-password-stdin] | token NAME | list  [-config FILE]
  analyst   token NAME [-label L] [-expires 90d|never] [-read-only] | tokens NAME
            | token revoke ID | remove NAME | disable NAME | enable NAME
  check     [-config FILE]                  check the store (bbolt's check and the store's own invariants)
  backup    [-config FILE] FILE             write a consistent copy of the store to FILE, then check it
  compact   [-config FILE]                  rewrite the store on as few pages as it needs (serve stopped)
  config    [-config FILE]                  print the effective configuration as TOML
  version                                   print the release, commit, store schema and Go version
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return e.serve(ctx, rest)
	case "deliver":
		return e.deliver(ctx, rest)
	case "tickets":
		return e.tickets(ctx, rest)
	case "customers":
		return e.customers(ctx, rest)
	case "analyst":
		return e.analysts(ctx, rest)
	case "secret":
		return e.secret(ctx, rest)
	case "check":
		return e.check(ctx, rest)
	case "backup":
		return e.backup(ctx, rest)
	case "compact":
		return e.compact(ctx, rest)
	case "config":
		return e.config(rest)
	case "version":
		return e.version(rest)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "ticketgw: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}
