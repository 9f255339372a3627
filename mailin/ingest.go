// Package mailin turns inbound email into tickets: it parses a message,
// classifies it (auto-replies, bounces, lists and our own mail are never
// answered), routes it by the address it was sent to, matches it to an
// existing ticket, applies the sender and attachment policies and commits
// the result in one store transaction. Every mail source (the `deliver`
// pipe, the SMTP/LMTP listener, the IMAP poller) calls Ingest and
// acknowledges the message only after it returned without error.
package mailin

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/mailin/quote"
	"github.com/ticketgw/ticketgw/tickets"
)

// Options configure an Ingester.
type Options struct {
	// Addresses are the support addresses; the first is the default.
	Addresses []Address
	// TicketPrefix is the prefix of ticket keys, as in [SUP-1042].
	TicketPrefix string
	// RegisteredOnly holds mail from senders who are not registered
	// customers (senders = "registered").
	RegisteredOnly bool
	Attachments    tickets.AttachmentPolicy
	Limits         Limits
	// Budget bounds the memory of the ingests in flight, shared with the
	// web's uploads (nil: no bound). Each ingest costs CostFactor times
	// its size (default DefaultCostFactor).
	Budget     *budget.Budget
	CostFactor int
	// SpoolDir holds the temporary files of messages larger than
	// SpoolAbove bytes (default DefaultSpoolAbove) while they wait for the
	// budget; "" is the system's temporary directory.
	SpoolDir   string
	SpoolAbove int64
	Logger     *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Envelope is what the transport knows about a message beside its bytes.
type Envelope struct {
	// Source names where the message came from, for the log and the
	// inbound record: "deliver", "smtp", "imap:suporte".
	Source string
	// Recipient is the envelope recipient (RCPT TO, -rcpt), used for
	// routing when the header names none of our addresses.
	Recipient string
	// Recipients are all envelope recipients; a plus-address among them
	// (suporte+SUP-1042@) threads the message even when the header
	// names only suporte@.
	Recipients []string
	// MailFrom is the envelope sender. NullSender marks MAIL FROM:<>,
	// which people never send with: such mail is never answered.
	MailFrom   string
	NullSender bool
}

// Result is what became of one message. Its JSON form is the `deliver`
// output contract.
type Result struct {
	Outcome   tickets.Outcome `json:"outcome"`
	Ticket    string          `json:"ticket"`
	Reason    string          `json:"reason"`
	InboundID uint64          `json:"-"`
}

// Ingester ingests messages into a store.
type Ingester struct {
	store tickets.Store
	opts  Options
}

// New makes an Ingester; it checks the options so that a bad configuration
// fails at start, not on the first message.
func New(store tickets.Store, opts Options) (*Ingester, error) {
	if len(opts.Addresses) == 0 {
		return nil, errors.New("mailin: no support address configured")
	}
	if opts.TicketPrefix == "" {
		return nil, errors.New("mailin: no ticket prefix configured")
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	if opts.Attachments.MaxBytes <= 0 {
		return nil, errors.New("mailin: attachment size limit must be positive")
	}
	if opts.Limits.MaxAttachmentBytes <= opts.Attachments.MaxBytes {
		opts.Limits.MaxAttachmentBytes = opts.Attachments.MaxBytes + 1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CostFactor <= 0 {
		opts.CostFactor = DefaultCostFactor
	}
	if opts.SpoolAbove <= 0 {
		opts.SpoolAbove = DefaultSpoolAbove
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Ingester{store: store, opts: opts}, nil
}

// Ingest records one raw message and returns its outcome. An error means
// nothing was committed (the store could not be reached or failed) and the
// source must not acknowledge the message, so that it is delivered again;
// every other case, malformed mail included, is a recorded outcome.
func (g *Ingester) Ingest(ctx context.Context, raw []byte, env Envelope) (Result, error) {
	start := g.opts.Now()
	if raw == nil {
		raw = []byte{} // kept as the empty message it is
	}
	sum := sha256.Sum256(raw)
	d := &delivery{
		g:      g,
		raw:    raw,
		env:    env,
		sha:    hex.EncodeToString(sum[:]),
		parsed: nil,
	}
	p, perr := Parse(raw, g.opts.Limits)
	if perr == nil {
		d.parsed = p
		d.fingerprint = contentFingerprint(p)
		d.prepare()
	} else {
		d.parseErr = perr
	}
	var res Result
	err := g.store.Update(ctx, func(tx tickets.Tx) error {
		var err error
		res, err = d.commit(tx)
		return err
	})
	attrs := []any{
		"source", env.Source,
		"message_id", d.messageID(),
		"outcome", res.Outcome,
		"ticket", res.Ticket,
		"reason", res.Reason,
		"bytes", len(raw),
		"duration", g.opts.Now().Sub(start).Round(time.Microsecond),
	}
	if err != nil {
		g.opts.Logger.LogAttrs(ctx, slog.LevelError, "ingest failed", slog.String("source", env.Source),
			slog.String("message_id", d.messageID()), slog.Any("error", err))
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	g.opts.Logger.Info("ingested", attrs...)
	return res, nil
}

// delivery is one message on its way into the store: everything that can
// be worked out without the store is worked out before the transaction, so
// that the transaction stays short.
type delivery struct {
	g        *Ingester
	raw      []byte
	env      Envelope
	sha      string
	parsed   *Parsed
	parseErr error
	// fingerprint is the content fingerprint (contentFingerprint) of
	// parsed mail, part of its dedupe key.
	fingerprint string

	ignore    string // classification reason, "" when the message is for us
	spam      bool   // an upstream filter's verdict: held, never answered
	quiet     bool   // file without notifying the sender (accepted machine mail)
	requester string // the analyst's choice of requester for a new ticket
	route     route
	subject   string // cleaned, for a new ticket
	replyText string // new content of a reply
	newText   string // content of a new ticket
	kept      []tickets.Attachment
	refused   []tickets.Rejected
}

func (d *delivery) messageID() string {
	if d.parsed == nil {
		return ""
	}
	return d.parsed.MessageID
}

func (d *delivery) prepare() {
	p, o := d.parsed, &d.g.opts
	d.ignore = classify(p, o.isOurs)
	if d.ignore == "" && d.env.NullSender {
		d.ignore = ReasonAutoReply
	}
	if d.ignore != "" {
		return
	}
	d.spam = spamVerdict(p)
	d.prepareFiling()
}

// prepareFiling works out what filing the message needs: route, subject,
// new content, attachments. Accepting ignored mail runs it too.
func (d *delivery) prepareFiling() {
	p, o := d.parsed, &d.g.opts
	d.route = o.routeFor(p, append([]string{d.env.Recipient}, d.env.Recipients...)...)
	d.subject = cleanSubject(p.Subject, o.TicketPrefix)
	d.replyText = quote.Strip(p.Text)
	d.newText = d.replyText
	if isForward(p.Subject, o.TicketPrefix) {
		d.newText = quote.StripSignature(p.Text)
	}
	d.kept, d.refused = applyPolicy(o.Attachments, p.Attachments)
}

// commit runs inside the transaction. It may run more than once (grouped
// commits), so it only reads d and writes through tx.
func (d *delivery) commit(tx tickets.Tx) (Result, error) {
	in := &tickets.Inbound{
		Source:    d.env.Source,
		Recipient: d.env.Recipient,
		SHA256:    d.sha,
		Size:      len(d.raw),
		MessageID: bracketed(d.messageID()),
	}
	if d.parsed != nil {
		in.From, in.Subject, in.Problems = d.parsed.From, d.parsed.Subject, d.parsed.Problems
	}
	key := d.dedupeKey()
	if first, ok, err := d.seenBefore(tx, key); err != nil {
		return Result{}, err
	} else if ok {
		in.Outcome, in.Ticket = tickets.Duplicate, first.Ticket
		if first.SHA256 == d.sha {
			in.RawOf = first.ID
			if first.RawOf != 0 {
				in.RawOf = first.RawOf
			}
		}
		return d.record(tx, in, "")
	}
	if d.parsed == nil {
		in.Outcome, in.Reason = tickets.Held, ReasonUnparseable
		in.Problems = []string{d.parseErr.Error()}
		return d.record(tx, in, key)
	}
	if d.ignore != "" {
		in.Outcome, in.Reason = tickets.Ignored, d.ignore
		return d.record(tx, in, key)
	}
	m, err := d.match(tx)
	if err != nil {
		return Result{}, err
	}
	if reason := d.hold(tx, m); reason != "" {
		in.Outcome, in.Reason, in.Target, in.Text = tickets.Held, reason, m.key, d.replyText
		if reason == ReasonUnknownSender {
			if err := tx.Enqueue(d.heldNotice()); err != nil {
				return Result{}, err
			}
		}
		return d.record(tx, in, key)
	}
	// The message points at its raw bytes: reserve the record's ID now,
	// write the record once the ticket is known.
	id, err := tx.ReserveInboundID()
	if err != nil {
		return Result{}, err
	}
	in.ID = id
	if err := d.file(tx, in, m); err != nil {
		return Result{}, err
	}
	return d.record(tx, in, key)
}

// file adds the message to the matched ticket, or opens a ticket with it,
// with the notifications that go with either, and sets in's outcome.
func (d *delivery) file(tx tickets.Tx, in *tickets.Inbound, m match) error {
	msg := d.message(in.ID)
	if m.key != "" {
		msg.Text = d.replyText
		tk, err := tx.AppendMessage(m.key, msg)
		if err != nil {
			return err
		}
		in.Outcome, in.Ticket = tickets.Appended, tk.Key
		return d.enqueueRefused(tx, tk)
	}
	tk := &tickets.Ticket{
		Subject:    d.subject,
		Type:       d.route.Type,
		Department: d.route.Department,
		Requester:  cmp.Or(d.requester, d.parsed.From),
		Address:    d.route.Email,
	}
	if err := tx.CreateTicket(tk, msg); err != nil {
		return err
	}
	in.Outcome, in.Ticket = tickets.Created, tk.Key
	if d.quiet {
		return nil
	}
	confirmation := d.notice(*tk, tickets.MailConfirmation)
	confirmation.Rejected = nil
	if err := tx.Enqueue(confirmation); err != nil {
		return err
	}
	return d.enqueueRefused(tx, *tk)
}

// enqueueRefused tells the customer which attachments were not kept.
func (d *delivery) enqueueRefused(tx tickets.Tx, tk tickets.Ticket) error {
	if len(d.refused) == 0 || d.quiet {
		return nil
	}
	return tx.Enqueue(d.notice(tk, tickets.MailRefused))
}

// record writes the inbound record and turns it into the Result.
func (d *delivery) record(tx tickets.Tx, in *tickets.Inbound, dedupeKey string) (Result, error) {
	if err := tx.RecordInbound(in, d.raw, dedupeKey); err != nil {
		return Result{}, err
	}
	return Result{Outcome: in.Outcome, Ticket: in.Ticket, Reason: in.Reason, InboundID: in.ID}, nil
}

func (d *delivery) message(inboundID uint64) *tickets.Message {
	p := d.parsed
	return &tickets.Message{
		Direction:   tickets.DirIn,
		From:        p.From,
		To:          p.To,
		Cc:          p.Cc,
		Subject:     p.Subject,
		MessageID:   bracketed(p.MessageID),
		Text:        d.newText,
		FullText:    fullText(p.Text, d.newText),
		Attachments: d.kept,
		Rejected:    d.refused,
		InboundID:   inboundID,
	}
}

// bracketed writes a Message-ID the way headers and the JSON contract do.
func bracketed(id string) string {
	if id == "" {
		return ""
	}
	return "<" + id + ">"
}

// fullText is kept beside the new content only when stripping removed
// something: no need to store the same text twice.
func fullText(full, kept string) string {
	if strings.TrimSpace(full) == strings.TrimSpace(kept) {
		return ""
	}
	return full
}

// clip keeps the start of a message's new content, up to n bytes on a
// character boundary, for the notification that summarises it.
func clip(text string, n int) string {
	if len(text) <= n {
		return text
	}
	for n > 0 && text[n]&0xC0 == 0x80 {
		n--
	}
	return text[:n]
}
