package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ticketgw/ticketgw/mailin"
)

// deliver ingests one message from stdin, as an MTA pipe (Postfix
// `pipe`, procmail, .forward) hands it over: exit 0 only once the message
// is committed, 75 when the store cannot take it so the MTA retries.
func (e *env) deliver(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("deliver", e.stderr)
	rcpt := fs.String("rcpt", "", "envelope recipient `address`, used for routing when the header names none of ours")
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
	st, code := e.openStore(cfg)
	if st == nil {
		return code
	}
	defer st.Close()
	g, err := mailin.New(st, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	res, err := g.Ingest(ctx, raw, mailin.Envelope{Source: "deliver", Recipient: *rcpt})
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
