package mailout

import (
	"context"
	"errors"
	"fmt"

	"github.com/ticketgw/ticketgw/tickets"
)

// send composes and sends one marked entry, and returns it as it is to be
// recorded. Backoff counts from the end of the attempt, so a slow failure
// is never followed at once by the next try.
func (w *Worker) send(ctx context.Context, j job) tickets.OutboxEntry {
	e := j.e
	log := w.opts.Logger.With("outbox_id", e.ID, "kind", e.Kind, "ticket", e.Ticket, "message_id", e.MessageID)
	var files [][]byte
	if len(e.Attachments) > 0 {
		err := w.store.View(ctx, func(v tickets.View) error {
			for _, a := range e.Attachments {
				data, err := v.AttachmentData(a.ID)
				if err != nil {
					return fmt.Errorf("attachment %s: %w", a.ID, err)
				}
				files = append(files, data)
			}
			return nil
		})
		if err != nil {
			return w.retry(log, e, fmt.Errorf("read attachments: %w", err))
		}
	}
	limit := w.limit()
	msg, omitted, err := w.composeFitting(e, j.tk, j.links, files, limit)
	if err == nil {
		err = w.opts.Transport.Send(ctx, e.From, []string{e.To}, msg)
		var tl *TooLargeError
		if errors.As(err, &tl) && tl.Limit > 0 && tl.Limit < limit {
			// The relay announced a smaller SIZE than we knew of: fit the
			// message to it and try once more in this attempt.
			if msg, omitted, err = w.composeFitting(e, j.tk, j.links, files, tl.Limit); err == nil {
				err = w.opts.Transport.Send(ctx, e.From, []string{e.To}, msg)
			}
		}
	} else {
		err = &composeError{err}
	}
	e.Omitted = omitted
	end := w.opts.Now()
	var ce *composeError
	switch {
	case err == nil:
		e.State, e.SentAt, e.LastError = tickets.OutboxSent, end.UTC(), ""
		if len(omitted) > 0 {
			log.Warn("outbox sent without attachments over the size limit", "to", e.To, "omitted", omitted, "limit", limit)
		}
		log.Info("outbox sent", "to", e.To, "attempts", e.Attempts, "bytes", len(msg))
	case errors.As(err, &ce):
		e.State, e.LastError = tickets.OutboxFailed, ce.err.Error()
		log.Error("outbox compose failed", "error", ce.err)
	case IsPermanent(err):
		e.State, e.LastError = tickets.OutboxFailed, err.Error()
		log.Error("outbox refused", "to", e.To, "error", err)
	case ctx.Err() != nil:
		// The stop's grace ran out before the relay answered: whether it
		// took the message is unknown, so it goes again at the next start.
		e.NextAttempt, e.LastError = end.UTC(), err.Error()
		log.Warn("outbox send cut off by the stop", "to", e.To, "error", err)
	default:
		return w.retry(log, e, err)
	}
	return e
}

// retry schedules the next attempt after a transient failure, or gives up
// once GiveUpAfter has passed since the entry's run of attempts began.
func (w *Worker) retry(log interface {
	Warn(string, ...any)
	Error(string, ...any)
}, e tickets.OutboxEntry, err error) tickets.OutboxEntry {
	end := w.opts.Now()
	if end.Sub(e.Since()) >= w.opts.GiveUpAfter {
		e.State, e.LastError = tickets.OutboxFailed, fmt.Sprintf("gave up after %v: %v", w.opts.GiveUpAfter, err)
		log.Error("outbox gave up", "to", e.To, "error", err)
		return e
	}
	e.NextAttempt, e.LastError = end.Add(w.backoff(e.Attempts)).UTC(), err.Error()
	log.Warn("outbox retry", "to", e.To, "attempts", e.Attempts, "next", e.NextAttempt, "error", err)
	return e
}

// composeError is a message that cannot be composed: retrying will not
// change it, so the entry fails with the reason kept.
type composeError struct{ err error }

func (e *composeError) Error() string { return e.err.Error() }
func (e *composeError) Unwrap() error { return e.err }
