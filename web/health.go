package web

import (
	"net/http"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// health is GET /healthz for monitoring: no login, no customer data. It
// answers 503 when the store cannot be read.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	type mailbox struct {
		Name        string    `json:"name"`
		LastSuccess time.Time `json:"last_success,omitzero"`
		LastError   string    `json:"last_error,omitempty"`
	}
	out := struct {
		Store         string    `json:"store"`
		Mailboxes     []mailbox `json:"mailboxes"`
		OutboxPending int       `json:"outbox_pending"`
		OutboxFailed  int       `json:"outbox_failed"`
		OldestPending time.Time `json:"oldest_pending,omitzero"`
	}{Store: "ok", Mailboxes: []mailbox{}}
	err := s.store.View(r.Context(), func(v tickets.View) error {
		boxes, err := v.Mailboxes()
		if err != nil {
			return err
		}
		for _, b := range boxes {
			out.Mailboxes = append(out.Mailboxes, mailbox{Name: b.Name, LastSuccess: b.LastSuccess, LastError: b.LastError})
		}
		pending, err := v.Outbox(tickets.OutboxPending)
		if err != nil {
			return err
		}
		out.OutboxPending = len(pending)
		for _, e := range pending {
			if out.OldestPending.IsZero() || e.CreatedAt.Before(out.OldestPending) {
				out.OldestPending = e.CreatedAt
			}
		}
		failed, err := v.Outbox(tickets.OutboxFailed)
		out.OutboxFailed = len(failed)
		return err
	})
	if err != nil {
		s.opts.Logger.Error("healthz", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"store": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, out)
}
