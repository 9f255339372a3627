package mailin

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// ErrNotHeld is returned when accepting mail that is not (or no longer)
// held or ignored, or discarding mail that is not held.
var ErrNotHeld = errors.New("message is not held")

// quietReasons are the machine mail that an accepted copy must not answer:
// whoever receives the confirmation is a robot, and answering robots makes
// loops. Their tickets are answered only by an analyst's reply.
var quietReasons = map[string]bool{ReasonBounce: true, ReasonLoop: true, ReasonAutoReply: true, ReasonFeedback: true, ReasonMailingList: true}

// Accept files held or ignored mail as an analyst decided: a message held
// as not-participant joins the ticket it named (its sender becoming a
// participant), one from an unknown sender registers the sender as a
// customer, and any other (spam, ignored machine mail, an unparseable one)
// opens or joins a ticket as any mail would. requester opens the ticket
// for that address instead of the sender's; it is required when the
// message names none (tickets.ErrNeedsRequester). Accepted machine mail gets no
// confirmation. The inbound record takes the outcome; the raw bytes are
// the ones kept when it came.
func (g *Ingester) Accept(ctx context.Context, inboundID uint64, actor, requester string) (Result, error) {
	d, in, err := g.held(ctx, inboundID)
	if err != nil {
		return Result{}, err
	}
	if requester != "" {
		a, perr := mail.ParseAddress(requester)
		if perr != nil || canonicalAddress(a.Address) == "" || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@'):], ".") {
			return Result{}, fmt.Errorf("accept inbound %d: %q: %w", inboundID, requester, tickets.ErrBadAddress)
		}
		requester = canonicalAddress(a.Address)
	}
	if d.parsed == nil {
		// Nothing could be read: the raw bytes become the text.
		d.parsed = &Parsed{Text: rawText(d.raw, g.opts.Limits.MaxTextBytes), Problems: in.Problems}
		d.prepareFiling()
	}
	if d.parsed.From == "" {
		if requester == "" {
			return Result{}, fmt.Errorf("accept inbound %d: %w", inboundID, tickets.ErrNeedsRequester)
		}
		d.parsed.From = requester
	}
	d.requester = requester
	if in.Outcome == tickets.Ignored {
		d.prepareFiling()
		d.quiet = quietReasons[in.Reason]
	}
	var res Result
	err = g.store.Update(ctx, func(tx tickets.Tx) error {
		rec := in // fresh copy for each run of the transaction
		cur, err := tx.Inbound(inboundID)
		if err != nil {
			return err
		}
		if !acceptable(cur.Outcome) {
			return fmt.Errorf("inbound %d: %w", inboundID, ErrNotHeld)
		}
		if rec.Reason == ReasonUnknownSender {
			if err := tx.AddCustomer(tickets.Customer{Email: d.parsed.From, Name: d.parsed.FromName}); err != nil {
				return err
			}
		}
		var m match
		if rec.Target != "" {
			if m, err = d.found(tx, rec.Target, byReferences); err != nil && !errors.Is(err, tickets.ErrNotFound) {
				return err
			}
		}
		if m.key == "" {
			if m, err = d.match(tx); err != nil {
				return err
			}
		}
		if err := d.file(tx, &rec, m); err != nil {
			return err
		}
		rec.DecidedBy = actor
		if err := tx.RecordInbound(&rec, nil, ""); err != nil {
			return err
		}
		res = Result{Outcome: rec.Outcome, Ticket: rec.Ticket, InboundID: rec.ID}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("accept inbound %d: %w", inboundID, err)
	}
	g.opts.Logger.Info("held mail accepted", "inbound", inboundID, "by", actor, "outcome", res.Outcome, "ticket", res.Ticket)
	return res, nil
}

// acceptable: what an analyst may still turn into a ticket.
func acceptable(o tickets.Outcome) bool { return o == tickets.Held || o == tickets.Ignored }

// rawText is the bytes of a message no reading could parse, as text for
// the ticket an analyst opens with it: at most max bytes, in UTF-8.
func rawText(raw []byte, max int64) string {
	if int64(len(raw)) > max {
		raw = raw[:max]
	}
	return strings.TrimSpace(cleanText(validUTF8(string(raw))))
}

// Discard marks held mail as thrown away by an analyst. Nothing is
// deleted: the record and the raw bytes stay.
func (g *Ingester) Discard(ctx context.Context, inboundID uint64, actor string) error {
	err := g.store.Update(ctx, func(tx tickets.Tx) error {
		in, err := tx.Inbound(inboundID)
		if err != nil {
			return err
		}
		if in.Outcome != tickets.Held {
			return fmt.Errorf("inbound %d: %w", inboundID, ErrNotHeld)
		}
		in.Outcome, in.DecidedBy = tickets.Discarded, actor
		return tx.RecordInbound(&in, nil, "")
	})
	if err != nil {
		return fmt.Errorf("discard inbound %d: %w", inboundID, err)
	}
	g.opts.Logger.Info("held mail discarded", "inbound", inboundID, "by", actor)
	return nil
}

// held loads held mail and prepares it as a delivery.
func (g *Ingester) held(ctx context.Context, id uint64) (*delivery, tickets.Inbound, error) {
	var in tickets.Inbound
	var raw []byte
	err := g.store.View(ctx, func(v tickets.View) error {
		var err error
		if in, err = v.Inbound(id); err != nil {
			return err
		}
		raw, err = v.Raw(id)
		return err
	})
	if err != nil {
		return nil, in, err
	}
	if !acceptable(in.Outcome) {
		return nil, in, fmt.Errorf("inbound %d: %w", id, ErrNotHeld)
	}
	d := &delivery{g: g, raw: raw, env: Envelope{Source: in.Source, Recipient: in.Recipient}, sha: in.SHA256}
	p, err := Parse(raw, g.opts.Limits)
	if err != nil {
		d.parseErr = err
		return d, in, nil
	}
	d.parsed = p
	d.prepare()
	return d, in, nil
}
