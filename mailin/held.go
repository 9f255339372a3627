package mailin

import (
	"context"
	"errors"
	"fmt"

	"github.com/ticketgw/ticketgw/tickets"
)

// ErrNotHeld is returned when accepting or discarding mail that is not (or
// no longer) held.
var ErrNotHeld = errors.New("message is not held")

// Accept files held mail as an analyst decided: a message held as
// not-participant joins the ticket it named (its sender becoming a
// participant), one from an unknown sender registers the sender as a
// customer and then opens or joins a ticket as any mail would. The inbound
// record takes the outcome; the raw bytes are the ones kept when it came.
func (g *Ingester) Accept(ctx context.Context, inboundID uint64, actor string) (Result, error) {
	d, in, err := g.held(ctx, inboundID)
	if err != nil {
		return Result{}, err
	}
	if d.parsed == nil {
		return Result{}, fmt.Errorf("accept inbound %d: %w", inboundID, d.parseErr)
	}
	var res Result
	err = g.store.Update(ctx, func(tx tickets.Tx) error {
		rec := in // fresh copy for each run of the transaction
		cur, err := tx.Inbound(inboundID)
		if err != nil {
			return err
		}
		if cur.Outcome != tickets.Held {
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
	if in.Outcome != tickets.Held {
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
