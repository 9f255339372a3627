// Package web serves the gateway over HTTP: the analysts' pages, the
// customers' deep-link pages, the JSON API and the health check. It acts
// only through tickets, so every change it makes (and the email that tells
// the customer) commits in one store transaction.
package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// Options configure the web server.
type Options struct {
	// BaseURL is where the gateway is reached from outside.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
}

// Server holds the handlers.
type Server struct {
	store tickets.Store
	opts  Options
	mux   *http.ServeMux
}

// New makes the server's handlers.
func New(store tickets.Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{store: store, opts: opts, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.Handle("GET /api/tickets", s.api(s.apiList))
	s.mux.Handle("GET /api/tickets/{key}", s.api(s.apiShow))
	s.mux.Handle("POST /api/tickets/{key}/reply", s.api(s.apiReply))
	s.mux.Handle("POST /api/tickets/{key}/status", s.api(s.apiStatus))
	return s
}

// ServeHTTP sets the headers every answer carries, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	s.mux.ServeHTTP(w, r)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// jsonError answers with {"error": msg}.
func jsonError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
