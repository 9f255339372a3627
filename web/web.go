// Package web serves the gateway over HTTP: the analysts' pages, the
// customers' deep-link pages, the JSON API and the health check. It acts
// only through tickets, so every change it makes (and the email that tells
// the customer) commits in one store transaction.
//
// Pages are plain HTML from package templates with one style sheet and no
// script, under a strict Content-Security-Policy. Analysts log in with a
// session cookie (sessions live in the store, see auth.go); every form
// they post carries a per-session CSRF token (csrf.go). Customers reach
// their pages with the signed deep links of their emails (tickets.TicketLink
// and tickets.ListLink), which expire and can be revoked; a wrong or
// missing token is a bare 404, a dead one offers a fresh link by email.
package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// Options configure the web server.
type Options struct {
	// BaseURL is where the gateway is reached from outside. Its scheme
	// decides whether the session cookie is Secure, and its origin is one
	// that forms may be posted from.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
	// Language of the pages, "pt-BR" (the default) or "en", as the
	// configuration's language key says.
	Language string
	// Templates are the page templates (with the operator's overrides);
	// nil uses the embedded ones.
	Templates *templates.Set
	// Attachments is the policy for files uploaded from the pages: the
	// same [attachments] as for mail, so that a file refused by email is
	// not let in through the page. The zero policy is the default one.
	Attachments tickets.AttachmentPolicy
	// Departments are offered when changing a ticket's department: the
	// departments of the configured addresses.
	Departments []string
	// Held accepts and discards held mail. It is mailin's business, which
	// web may not import, so the command wiring the server sets it; nil
	// leaves held mail to be looked at only.
	Held HeldMail
	// Budget bounds the memory of uploads in flight, shared with the
	// ingests of mail (nil: no bound). An upload costs UploadCostFactor
	// times its files' size (default 3) and waits for it at most
	// BudgetWait (default 60s), then the page answers 503.
	Budget           *budget.Budget
	UploadCostFactor int
	BudgetWait       time.Duration
	// SpoolDir holds uploaded files while a form is read; "" is the
	// system's temporary directory.
	SpoolDir string
	// PageSize is the number of tickets on one page of a list (default 50).
	PageSize int
	// Links says how long customers' deep links live (zero: the defaults
	// of tickets.LinkPolicy).
	Links tickets.LinkPolicy
	// SessionIdle ends a login unused for that long (default 12 h);
	// SessionMax ends any login that old (default 7 days).
	SessionIdle, SessionMax time.Duration
	// PollIntervals are the configured IMAP mailboxes by name with their
	// poll interval: /healthz counts one as failing when its last success
	// is older than a few intervals.
	PollIntervals map[string]time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (web.trusted_proxies); see ClientIP. Empty: the TCP peer
	// is the client, whatever the header says.
	TrustedProxies []netip.Prefix
	// MaxLoginChecks bounds the password checks (bcrypt, ~70 ms of a
	// processor each) running at once for all clients together; default
	// half the processors, at least 1.
	MaxLoginChecks int
	// ComparePassword checks a password against its stored hash
	// (bcrypt.CompareHashAndPassword by default); tests count the checks
	// through it.
	ComparePassword func(hash, password []byte) error
}

// HeldMail decides on held and ignored mail for an analyst. Accept files
// it (opening or joining a ticket, registering an unknown sender) and
// names the ticket; requester, when not "", is whose ticket it opens, and
// is needed (tickets.ErrNeedsRequester) for mail that names no sender.
// Discard throws held mail away (the raw bytes stay).
type HeldMail interface {
	Accept(ctx context.Context, inboundID uint64, actor, requester string) (ticket string, err error)
	Discard(ctx context.Context, inboundID uint64, actor string) error
}

// Server holds the handlers.
type Server struct {
	store tickets.Store
	opts  Options
	mux   *http.ServeMux
	tpl   *templates.Set
	// secure: the base URL is https, so cookies are Secure.
	secure bool
	// origin of the base URL ("https://suporte.acme.com.br"), for the
	// Origin check of posted forms.
	origin string
	// logins holds the login limits (login_limits.go).
	logins *loginGuard
	// started is when the server was made: a configured mailbox that
	// never polled is judged from then.
	started time.Time
	// posted holds the spooled files of the requests being handled
	// (*http.Request → *postedFiles), from readMultipart to uploads.
	posted sync.Map
	// linkLimits counts customers' requests for fresh links (links.go).
	linkLimits *linkRequestLimits
}

// New makes the server's handlers.
func New(store tickets.Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Language == "" {
		opts.Language = templates.Languages()[0]
	}
	if opts.Attachments.MaxBytes <= 0 {
		opts.Attachments.MaxBytes = 8 << 20
		if opts.Attachments.Allowed == nil {
			opts.Attachments.Allowed = []string{"pdf", "tar", "gz", "bmp", "gif", "jpg", "jpeg", "png", "zip", "txt"}
		}
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.UploadCostFactor <= 0 {
		opts.UploadCostFactor = defaultUploadCostFactor
	}
	if opts.BudgetWait <= 0 {
		opts.BudgetWait = time.Minute
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 12 * time.Hour
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = 7 * 24 * time.Hour
	}
	if opts.MaxLoginChecks <= 0 {
		opts.MaxLoginChecks = defaultLoginChecks()
	}
	if opts.ComparePassword == nil {
		opts.ComparePassword = bcrypt.CompareHashAndPassword
	}
	s := &Server{store: store, opts: opts, mux: http.NewServeMux(), tpl: opts.Templates,
		logins: newLoginGuard(opts.MaxLoginChecks), started: opts.Now()}
	s.linkLimits = newLinkRequestLimits()
	if s.tpl == nil {
		tpl, err := templates.New("")
		if err != nil {
			// The embedded templates are checked by the tests; should
			// they fail all the same, pages answer 500 and say why.
			opts.Logger.Error("web: embedded templates", "error", err)
		}
		s.tpl = tpl
	}
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Host != "" {
		s.secure = strings.EqualFold(u.Scheme, "https")
		s.origin = strings.ToLower(u.Scheme + "://" + u.Host)
	}

	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.Handle("GET /api/tickets", s.api(s.apiList))
	s.mux.Handle("GET /api/tickets/{key}", s.api(s.apiShow))
	s.mux.Handle("POST /api/tickets/{key}/reply", s.api(s.apiReply))
	s.mux.Handle("POST /api/tickets/{key}/status", s.api(s.apiStatus))

	s.mux.HandleFunc("GET /static/{name}", s.static)
	// Browsers ask for an icon on every site; there is none, and saying so
	// with 204 keeps a 404 out of every page's console.
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.Handle("POST /logout", s.action(s.logout))

	s.mux.Handle("GET /tickets", s.page(s.queue))
	s.mux.Handle("GET /tickets/{key}", s.page(s.ticketPage))
	s.mux.Handle("GET /tickets/{key}/attachments/{id}", s.page(s.analystAttachment))
	s.mux.Handle("POST /tickets/{key}/reply", s.action(s.reply))
	s.mux.Handle("POST /tickets/{key}/note", s.action(s.note))
	s.mux.Handle("POST /tickets/{key}/status", s.action(s.setStatus))
	s.mux.Handle("POST /tickets/{key}/type", s.action(s.setType))
	s.mux.Handle("POST /tickets/{key}/department", s.action(s.setDepartment))
	s.mux.Handle("POST /tickets/{key}/assignee", s.action(s.setAssignee))
	s.mux.Handle("POST /tickets/{key}/revoke-links", s.action(s.revokeLinks))

	s.mux.Handle("GET /held", s.page(s.heldList))
	s.mux.Handle("GET /held/{id}", s.page(s.heldMessage))
	s.mux.Handle("GET /ignored", s.page(s.ignoredList))
	s.mux.Handle("GET /held/{id}/raw", s.page(s.heldRaw))
	s.mux.Handle("POST /held/{id}/accept", s.action(s.heldAccept))
	s.mux.Handle("POST /held/{id}/discard", s.action(s.heldDiscard))

	s.mux.Handle("GET /customers", s.page(s.customers))
	s.mux.Handle("POST /customers", s.action(s.addCustomer))
	s.mux.Handle("POST /customers/remove", s.action(s.removeCustomer))

	s.mux.Handle("GET /outbox", s.page(s.outbox))
	s.mux.Handle("POST /outbox/{id}/retry", s.action(s.retryOutbox))

	s.mux.Handle("GET /announcements", s.page(s.announcements))
	s.mux.Handle("POST /announcements", s.action(s.postAnnouncement))
	s.mux.Handle("POST /announcements/{id}/retire", s.action(s.retireAnnouncement))

	s.mux.HandleFunc("GET /t/{key}", s.customerTicket)
	s.mux.HandleFunc("POST /t/{key}/reply", s.customerReply)
	s.mux.HandleFunc("GET /t/{key}/attachments/{id}", s.customerAttachment)
	s.mux.HandleFunc("GET /me", s.customerList)
	s.mux.HandleFunc("POST /t/{key}/link", s.requestTicketLink)
	s.mux.HandleFunc("GET /me/link", s.listLinkPage)
	s.mux.HandleFunc("POST /me/link", s.requestListLink)
	return s
}

// ServeHTTP sets the headers every answer carries, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	s.mux.ServeHTTP(w, s.withClientIP(r))
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
