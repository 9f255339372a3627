package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// deliver ingests one message from stdin, as an MTA pipe (Postfix
// `pipe`, procmail, .forward) hands it over: exit 0 only once the message
// is committed, 75 when the store cannot take it so the MTA retries.
func (e *env) deliver(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("deliver", e.stderr)
	rcpt := fs.String("rcpt", "", "envelope recipient `address`, used for routing when the header names none of ours")
	var from optionalString
	fs.Var(&from, "from", "envelope sender `address` (Postfix: ${sender}); an empty one marks mail never to be answered")
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw deliver [-config FILE] [-rcpt ADDR] < message"); !ok {
		return exitUsage
	}
	cfg, code := e.loadConfig(*cfgPath)
	if cfg == nil {
		return code
	}
	limit := cfg.SMTP.MaxMessageBytes
	raw, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: read message: %v\n", err)
		return exitTempFail
	}
	if int64(len(raw)) > limit {
		fmt.Fprintf(e.stderr, "ticketgw: message larger than smtp.max_message_bytes (%d bytes): refused\n", limit)
		e.printJSON(map[string]string{"outcome": "rejected", "reason": "too-large"})
		return exitDataErr
	}
	log := e.logger()
	opts, err := ingestOptions(cfg, log)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	env := mailin.Envelope{Source: "deliver", Recipient: *rcpt, MailFrom: from.value, NullSender: from.set && from.value == ""}
	if *rcpt != "" {
		env.Recipients = []string{*rcpt}
	}
	lockWait := time.Duration(0)
	if cfg.SMTP.Listen != "" {
		// With a listener to hand over to, do not wait long for a lock
		// that a running serve will not let go of.
		lockWait = 100 * time.Millisecond
	}
	st, err := e.tryOpenStore(cfg, lockWait)
	if errors.Is(err, tickets.ErrLocked) && cfg.SMTP.Listen != "" {
		// serve holds the store: hand the message to its listener; if
		// none answers, the holder was another command: wait for it.
		if code, ok := e.handOff(ctx, cfg, raw, env); ok {
			return code
		}
		st, err = e.tryOpenStore(cfg, 0)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitTempFail
	}
	defer st.Close()
	g, err := mailin.New(st, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	res, err := g.Ingest(ctx, raw, env)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitTempFail
	}
	e.printJSON(res)
	return exitOK
}

func (e *env) printJSON(v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// optionalString is a flag that tells "not given" from "given empty", as
// -from must: Postfix passes an empty ${sender} for bounces.
type optionalString struct {
	value string
	set   bool
}

func (o *optionalString) String() string { return o.value }

func (o *optionalString) Set(v string) error {
	o.value, o.set = v, true
	return nil
}
