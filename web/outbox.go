package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// outboxTable is one table of the outbox page; Retry puts a retry button
// on each row.
type outboxTable struct {
	Rows  []tickets.OutboxEntry
	Retry bool
	CSRF  string
}

type outboxData struct {
	chrome
	Failed, Pending outboxTable
}

// outbox is GET /outbox: the mail that failed, with the relay's last
// answer, and the mail waiting to be sent.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request, sess *session) {
	var failed, pending []tickets.OutboxEntry
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if failed, err = v.Outbox(tickets.OutboxFailed); err != nil {
			return err
		}
		pending, err = v.Outbox(tickets.OutboxPending)
		return err
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d := outboxData{chrome: s.chrome(r, sess, "outbox"),
		Failed: outboxTable{Rows: failed, Retry: true, CSRF: sess.csrf}, Pending: outboxTable{Rows: pending}}
	s.render(w, http.StatusOK, templates.PageOutbox, d)
}

// retryOutbox is POST /outbox/{id}/retry: a failed entry goes back to
// pending, due now, and the worker is woken.
func (s *Server) retryOutbox(w http.ResponseWriter, r *http.Request, sess *session) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/outbox")
		return
	}
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		_, err := tx.RetryOutbox(id)
		return err
	})
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/outbox")
		return
	case errors.Is(err, tickets.ErrNotFailed):
		s.fail(w, r, sess, http.StatusConflict, "error.not_failed", "/outbox")
		return
	case err != nil:
		s.internal(w, r, sess, err)
		return
	}
	s.opts.Logger.Info("web: outbox retry", "entry", id, "by", sess.analyst)
	seeOther(w, r, "/outbox", "retried")
}
