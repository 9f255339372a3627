package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// deliverLockWait bounds how long deliver waits for a store held by a
// process that is not a serve answering on the hand-off socket (another
// command, or a serve still starting) before it asks the MTA to retry.
const deliverLockWait = 5 * time.Second

// deliver ingests one message from stdin, as an MTA pipe (Postfix
// `pipe`, procmail, .forward) hands it over: exit 0 only once the message
// is committed, 75 when it cannot be taken now so that the MTA retries.
// While serve holds the store, the message goes to that serve through the
// hand-off socket of the same data_dir, with the same outcome as a direct
// ingest. On failure the first line of its output starts with an enhanced
// status code, which Postfix's pipe(8) prefers to the exit code: a bad
// configuration defers (4.3.5), never bounces.
func (e *env) deliver(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("deliver", e.stderr)
	var rcpts stringList
	fs.Var(&rcpts, "rcpt", "envelope recipient `address` (Postfix: ${recipient}); repeat it, or add more as arguments, for several")
	var from optionalString
	fs.Var(&from, "from", "envelope sender `address` (Postfix: ${sender}); \"\", \"<>\" or MAILER-DAEMON mark a bounce, never answered")
	extra, ok := e.parseCommand(fs, args, 0, handoffMaxRecipients, "ticketgw deliver [-config FILE] [-from ADDR] [-rcpt ADDR]... [ADDR...] < message")
	if !ok {
		return exitUsage
	}
	// Postfix gets the JSON line first and the log after it.
	var logBuf bytes.Buffer
	defer func() { _, _ = logBuf.WriteTo(e.stderr) }()
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		e.deliverConfigError(err)
		return exitTempFail
	}
	limit := cfg.SMTP.MaxMessageBytes
	raw, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
	if err != nil {
		fmt.Fprintf(e.stderr, "4.3.0 ticketgw: read message: %v\n", err)
		return exitTempFail
	}
	if int64(len(raw)) > limit {
		fmt.Fprintf(e.stderr, "5.3.4 ticketgw: message larger than smtp.max_message_bytes (%d bytes): refused\n", limit)
		e.printJSON(map[string]string{"outcome": "rejected", "reason": "too-large"})
		return exitDataErr
	}
	log := e.loggerTo(&logBuf, cfg.Log)
	opts, err := ingestOptions(cfg, log)
	if err != nil {
		e.deliverConfigError(err)
		return exitTempFail
	}
	env := deliverEnvelope(append(rcpts, extra...), from)
	if os.Getenv(deliverChildEnv) != "" {
		return e.deliverChild(ctx, cfg, opts, raw, env)
	}
	deadline := time.Now().Add(deliverLockWait)
	for {
		code, done, dialErr := e.handOff(ctx, cfg, raw, env)
		if done {
			return code
		}
		code, lockErr := e.deliverInChild(ctx, args, raw)
		if lockErr == "" {
			return code
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			fmt.Fprintf(e.stderr, "4.3.0 ticketgw: %s, and no serve answers on %s (%v): is another ticketgw command (tickets, customers, analyst) running on %s? The MTA will retry.\n",
				lockErr, handoffPath(cfg), dialErr, cfg.DataDir)
			return exitTempFail
		}
	}
}

// deliverChild is deliver's store work, in the child deliverInChild
// starts: open the store (it must exist: only serve creates one) and
// ingest. A store held by another process ends it with exitChildLocked,
// so that the parent knocks on serve's socket again.
func (e *env) deliverChild(ctx context.Context, cfg *config.Config, opts mailin.Options, raw []byte, env mailin.Envelope) int {
	st, err := e.tryOpenStore(cfg, 250*time.Millisecond, storeWrite, opts.Logger)
	if errors.Is(err, tickets.ErrLocked) {
		fmt.Fprintf(e.stderr, "%v\n", err)
		return exitChildLocked
	}
	if err != nil {
		hint := ""
		if errors.Is(err, os.ErrPermission) {
			hint = fmt.Sprintf(" (deliver must run as the user that owns %s and runs serve: user= in Postfix's master.cf)", cfg.DataDir)
		}
		fmt.Fprintf(e.stderr, "4.3.0 ticketgw: %v%s\n", err, hint)
		return exitTempFail
	}
	defer st.Close()
	return e.ingestDirect(ctx, st, opts, raw, env)
}

// ingestDirect ingests with the store opened by deliver itself.
func (e *env) ingestDirect(ctx context.Context, st tickets.Store, opts mailin.Options, raw []byte, env mailin.Envelope) int {
	g, err := mailin.New(st, opts)
	if err != nil {
		e.deliverConfigError(err)
		return exitTempFail
	}
	res, err := g.Ingest(ctx, raw, env)
	if err != nil {
		fmt.Fprintf(e.stderr, "4.3.0 ticketgw: %v\n", err)
		return exitTempFail
	}
	e.printJSON(res)
	return exitOK
}

// deliverConfigError says that deliver defers because of its
// configuration: a short reason on the first line, after the enhanced
// status code 4.3.5, then the whole error with the file it is in.
func (e *env) deliverConfigError(err error) {
	first, _, _ := strings.Cut(err.Error(), "\n")
	short := first
	var pe *os.PathError
	switch {
	case errors.As(err, &pe):
		short = "cannot read the configuration file: " + pe.Err.Error()
	case strings.HasPrefix(first, "config "):
		// "config PATH: reason": keep the reason.
		if i := strings.Index(first, ": "); i >= 0 {
			short = first[i+2:]
		}
	}
	fmt.Fprintf(e.stderr, "4.3.5 ticketgw: bad configuration, mail deferred until it is fixed: %s\n", short)
	fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
}

// handoffMaxRecipients bounds deliver's recipients, as the hand-off does.
const handoffMaxRecipients = 1000

// deliverEnvelope is the envelope of deliver's flags: every recipient
// (the first one named is the one recorded), and the null reverse path for
// the forms MTAs pass it in.
func deliverEnvelope(rcpts []string, from optionalString) mailin.Envelope {
	env := mailin.Envelope{Source: "deliver"}
	for _, r := range rcpts {
		if r = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(r, "<"), ">")); r != "" {
			env.Recipients = append(env.Recipients, r)
		}
	}
	if len(env.Recipients) > 0 {
		env.Recipient = env.Recipients[0]
	}
	sender := strings.TrimSpace(from.value)
	if strings.HasPrefix(sender, "<") && strings.HasSuffix(sender, ">") {
		sender = sender[1 : len(sender)-1]
	}
	// Postfix's pipe passes MAILER-DAEMON for the null sender unless the
	// recipe sets null_sender=.
	if from.set && (sender == "" || strings.EqualFold(sender, "MAILER-DAEMON")) {
		env.NullSender = true
		sender = ""
	}
	env.MailFrom = sender
	return env
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

// stringList is a flag that may be given several times, as -rcpt is for
// mail with several recipients.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
