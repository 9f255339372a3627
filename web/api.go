package web

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// maxAPIBody caps what the API reads of a request.
const maxAPIBody = 1 << 20

// tokenTouchEvery is how stale a token's LastUsed may get before a call
// writes it again: listings say when a token was last used to within that,
// and calls cost no commit each.
const tokenTouchEvery = 5 * time.Minute

// api wraps an API handler with bearer-token authentication (tokens made
// by `ticketgw analyst token NAME`); the handler gets the analyst's name.
// A token works while it exists (not revoked), has not expired and its
// analyst exists and is not disabled; a read-only token is refused (403)
// on anything but GET and HEAD, before the body is read.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request, analyst string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketgw"`)
			jsonError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		tok, refused, err := s.checkToken(r.Context(), sum[:])
		if err != nil {
			s.opts.Logger.Error("web: read API token", "error", err)
			jsonError(w, http.StatusServiceUnavailable, "store unavailable")
			return
		}
		now := s.opts.Now()
		if refused != "" {
			if tok.Analyst != "" {
				s.opts.Logger.Info("web: API token refused", "token", tok.ID, "analyst", tok.Analyst, "reason", refused, "ip", clientIP(r))
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketgw", error="invalid_token"`)
			jsonError(w, http.StatusUnauthorized, refused)
			return
		}
		if tok.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketgw", error="insufficient_scope"`)
			jsonError(w, http.StatusForbidden, "this token is read-only")
			return
		}
		if now.Sub(tok.LastUsed) >= tokenTouchEvery {
			if err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.TouchToken(sum[:], now) }); err != nil {
				s.opts.Logger.Warn("web: record API token use", "token", tok.ID, "error", err)
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
		h(w, r, tok.Analyst)
	})
}

// checkToken reads the record of an API token (given as its SHA-256) and
// says why it is refused, "" when it is live: unknown, expired, or its
// analyst removed or disabled. The API and /healthz judge tokens alike.
func (s *Server) checkToken(ctx context.Context, sum []byte) (tok tickets.APIToken, refused string, err error) {
	var a tickets.Analyst
	var found, exists bool
	err = s.store.View(ctx, func(v tickets.View) error {
		var err error
		if tok, found, err = v.APIToken(sum); err != nil || !found {
			return err
		}
		a, exists, err = v.Analyst(tok.Analyst)
		return err
	})
	switch {
	case err != nil:
		return tickets.APIToken{}, "", err
	case !found:
		return tickets.APIToken{}, "unknown token", nil
	case tok.Expired(s.opts.Now()):
		return tok, "token expired", nil
	case !exists || a.Disabled:
		return tok, "token revoked", nil
	}
	return tok, "", nil
}

// apiList is GET /api/tickets: the DESIGN.md objects without messages and
// events, filtered by status, type, department, assignee, requester.
func (s *Server) apiList(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	f := tickets.Filter{Department: q.Get("department"), Assignee: q.Get("assignee"), Requester: q.Get("requester")}
	if v := q.Get("status"); v != "" {
		st, err := tickets.ParseStatus(v)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		f.Status = st
	}
	if v := q.Get("type"); v != "" {
		t, err := tickets.ParseType(v)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		f.Type = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			jsonError(w, http.StatusBadRequest, "limit must be a positive number")
			return
		}
		f.Limit = n
	}
	var list []tickets.Ticket
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		list, err = v.Tickets(f)
		return err
	})
	if err != nil {
		jsonError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	if list == nil {
		list = []tickets.Ticket{}
	}
	writeJSON(w, http.StatusOK, list)
}

// apiShow is GET /api/tickets/{key}: the DESIGN.md object with messages
// (internal notes included: this is the analysts' API) and events.
func (s *Server) apiShow(w http.ResponseWriter, r *http.Request, _ string) {
	var d tickets.TicketDetail
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		d, err = v.Detail(r.PathValue("key"))
		return err
	})
	if s.storeError(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// apiReply is POST /api/tickets/{key}/reply {"text": "..."}: the reply is
// stored and emailed to the customer.
func (s *Server) apiReply(w http.ResponseWriter, r *http.Request, analyst string) {
	var in struct {
		Text string `json:"text"`
	}
	if !decode(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		jsonError(w, http.StatusBadRequest, "text is empty")
		return
	}
	var m tickets.Message
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error {
		var err error
		m, err = tx.Reply(r.PathValue("key"), analyst, in.Text, nil)
		return err
	})
	if s.storeError(w, err) {
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

// apiStatus is POST /api/tickets/{key}/status {"status": "resolved"}: the
// change is recorded and the customer told by email.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request, analyst string) {
	var in struct {
		Status string `json:"status"`
	}
	if !decode(w, r, &in) {
		return
	}
	st, err := tickets.ParseStatus(in.Status)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	var tk tickets.Ticket
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		var err error
		tk, err = tx.SetStatus(r.PathValue("key"), analyst, st)
		return err
	})
	if s.storeError(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, tk)
}

// decode reads a JSON body, answering 400 itself when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		jsonError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// storeError answers for a failed store call; false when there was none.
func (s *Server) storeError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, tickets.ErrNotFound):
		jsonError(w, http.StatusNotFound, "no such ticket")
	default:
		s.opts.Logger.Error("web: store", "error", err)
		jsonError(w, http.StatusServiceUnavailable, "store unavailable")
	}
	return true
}
