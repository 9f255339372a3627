package web

import (
	"crypto/sha256"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// Component states in /healthz.
const (
	healthOK   = "ok"
	healthFail = "fail"
)

// staleAfter is how many poll intervals a mailbox may go without a
// successful poll before it counts as failing: a poller that hangs or
// cannot record its state is seen even when it recorded no error.
const staleAfter = 3

// health is GET /healthz for monitoring. Anyone gets one word per
// component ({"status":"ok","store":"ok","mailboxes":"ok","outbox":"ok"}),
// answered 503 when one fails; an analyst (session or API token) also gets
// the details: the store's last failed commit, each mailbox, the outbox
// counts. Error texts are scrubbed of anything that looks like a secret
// (D10: token_command's stderr once carried a refresh token). It reads
// only counts and small records, so a large outbox backlog stays fast.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	type mailbox struct {
		Name        string    `json:"name"`
		Status      string    `json:"status"`
		LastSuccess time.Time `json:"last_success,omitzero"`
		LastError   string    `json:"last_error,omitempty"`
	}
	type detail struct {
		Status           string    `json:"status"`
		Store            string    `json:"store"`
		StoreError       string    `json:"store_error,omitempty"`
		StoreLastFailure time.Time `json:"store_last_failure,omitzero"`
		StoreLastError   string    `json:"store_last_error,omitempty"`
		MailboxesStatus  string    `json:"mailboxes_status"`
		Mailboxes        []mailbox `json:"mailboxes"`
		Outbox           string    `json:"outbox"`
		OutboxPending    int       `json:"outbox_pending"`
		OutboxFailed     int       `json:"outbox_failed"`
		OldestPending    time.Time `json:"oldest_pending,omitzero"`
	}
	out := detail{Store: healthOK, MailboxesStatus: healthOK, Outbox: healthOK, Mailboxes: []mailbox{}}
	now := s.opts.Now()
	var counts tickets.OutboxCounts
	var boxes []tickets.MailboxState
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		if boxes, err = v.Mailboxes(); err != nil {
			return err
		}
		counts, err = v.OutboxCounts()
		return err
	})
	if err != nil {
		s.opts.Logger.Error("healthz", "error", err)
		out.Store, out.StoreError = healthFail, scrubSecrets(err.Error())
		out.Outbox, out.MailboxesStatus = healthFail, healthFail
	}
	if hr, ok := s.store.(tickets.HealthReporter); ok {
		h := hr.Health()
		if !h.OK() {
			out.Store = healthFail
		}
		if h.Broken != nil {
			out.StoreError = scrubSecrets(h.Broken.Error())
		}
		if h.LastError != nil {
			out.StoreLastFailure, out.StoreLastError = h.LastFailure, scrubSecrets(h.LastError.Error())
		}
	}
	seen := map[string]bool{}
	for _, b := range boxes {
		seen[b.Name] = true
		m := mailbox{Name: b.Name, Status: healthOK, LastSuccess: b.LastSuccess, LastError: scrubSecrets(b.LastError)}
		if b.LastError != "" || s.mailboxStale(b.Name, b.LastSuccess, now) {
			m.Status = healthFail
		}
		out.Mailboxes = append(out.Mailboxes, m)
	}
	// A configured mailbox that never recorded a poll fails once it had
	// the time to.
	for _, name := range slices.Sorted(maps.Keys(s.opts.PollIntervals)) {
		if !seen[name] {
			m := mailbox{Name: name, Status: healthOK}
			if s.mailboxStale(name, time.Time{}, now) {
				m.Status = healthFail
			}
			out.Mailboxes = append(out.Mailboxes, m)
		}
	}
	for _, m := range out.Mailboxes {
		if m.Status != healthOK {
			out.MailboxesStatus = healthFail
		}
	}
	out.OutboxPending, out.OutboxFailed, out.OldestPending = counts.Pending, counts.Failed, counts.OldestPending
	out.Status = healthOK
	if out.Store != healthOK || out.MailboxesStatus != healthOK || out.Outbox != healthOK {
		out.Status = healthFail
	}
	code := http.StatusOK
	if out.Status != healthOK {
		code = http.StatusServiceUnavailable
	}
	if err == nil && s.healthCallerIsAnalyst(r) {
		writeJSON(w, code, out)
		return
	}
	writeJSON(w, code, map[string]string{"status": out.Status, "store": out.Store, "mailboxes": out.MailboxesStatus, "outbox": out.Outbox})
}

// mailboxStale: the mailbox's last success (zero: never, counted from the
// server's start) is more than staleAfter poll intervals ago.
func (s *Server) mailboxStale(name string, last time.Time, now time.Time) bool {
	every, ok := s.opts.PollIntervals[name]
	if !ok || every <= 0 {
		return false
	}
	if last.IsZero() {
		last = s.started
	}
	return now.Sub(last) > staleAfter*every
}

// healthCallerIsAnalyst: the request carries a live analyst session or a
// valid API token. Errors count as anonymous: health must answer anyway.
func (s *Server) healthCallerIsAnalyst(r *http.Request) bool {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.TrimSpace(token) != "" {
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		_, refused, err := s.checkToken(r.Context(), sum[:])
		return err == nil && refused == ""
	}
	sess, err := s.currentSession(r)
	return err == nil && sess != nil
}

// secretPattern finds what looks like a credential in an error text: a
// URL's query, key=value or key: value pairs named like secrets, bearer
// tokens.
var secretPattern = regexp.MustCompile(`(?i)(\?[^\s"']+)|((?:secret|token|password|passwd|pass|pwd|key|code|assertion|credential|auth)[a-z_\-]*\s*[=:]\s*)("[^"]*"|[^\s&,;"']+)|(bearer\s+)[^\s"']+`)

// scrubSecrets replaces the values of secret-looking parts of s with
// "[redacted]", so that no credential reaches a health answer.
func scrubSecrets(s string) string {
	return secretPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretPattern.FindStringSubmatch(m)
		switch {
		case sub[1] != "":
			return "?[redacted]"
		case sub[2] != "":
			return sub[2] + "[redacted]"
		default:
			return sub[4] + "[redacted]"
		}
	})
}
