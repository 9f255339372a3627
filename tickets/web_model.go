package tickets

import (
	"errors"
	"time"
)

// Session is an analyst's login to the web view. It is kept in the store so
// that logins survive a restart of serve; the store holds it under a hash
// of the session id, never the id itself, so that a copy of the database
// does not let anyone in.
type Session struct {
	Analyst   string    `json:"analyst"`
	CreatedAt time.Time `json:"created_at"`
	// LastSeen is when the session was last used, for the idle expiry. It
	// is refreshed at most every few minutes, not at every page, so that
	// reading pages does not cost a commit each.
	LastSeen time.Time `json:"last_seen"`
	// CredVersion is the analyst's Analyst.CredVersion when the session
	// was made; a session made before a password change or a disable is
	// no longer valid.
	CredVersion uint64 `json:"cred_version,omitempty"`
}

// Announcement is a notice analysts post for every customer (planned
// maintenance, an outage), shown on the customers' pages until retired.
// Retired announcements are kept, as a record of what customers were told.
type Announcement struct {
	ID        uint64    `json:"id"`
	Text      string    `json:"text"`
	PostedBy  string    `json:"posted_by"`
	PostedAt  time.Time `json:"posted_at"`
	RetiredBy string    `json:"retired_by,omitempty"`
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// Current tells whether the announcement is still shown to customers.
func (a Announcement) Current() bool { return a.RetiredAt.IsZero() }

// ErrNotFailed is returned when retrying an outbox entry that has not
// failed: a pending entry is retried by the worker anyway, and a sent one
// must never be sent twice.
var ErrNotFailed = errors.New("outbox entry has not failed")
