package tickets

import (
	"encoding/hex"
	"time"
)

// APIToken is an analyst's bearer token for the JSON API. The store keeps
// it under the SHA-256 of the secret, never the secret itself, so that a
// copy of the database lets nobody in; the ID, made from the first bytes
// of that hash, names it in listings and for revocation without showing
// anything that could be used to call the API.
type APIToken struct {
	ID      string `json:"id"`
	Analyst string `json:"analyst"`
	// Label says what the token is for ("nightly export"), for listings.
	Label     string    `json:"label,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	// ExpiresAt is when the token stops working; zero is never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// ReadOnly tokens may only read (GET): a monitoring script or a
	// report cannot change tickets even if its token leaks.
	ReadOnly bool `json:"read_only,omitempty"`
	// LastUsed is refreshed at most every few minutes (see web), not at
	// each call, so that the API costs no commit per request.
	LastUsed time.Time `json:"last_used,omitzero"`
	// Legacy marks a token stored before tokens had names and expiries
	// (its record is only the analyst's name): it never expires and has
	// full rights until revoked. Such a record is rewritten in today's
	// format when it is first used, and keeps this mark.
	Legacy bool `json:"legacy,omitempty"`
}

// Expired tells whether the token no longer works at now.
func (t APIToken) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// tokenIDBytes is how much of a token's hash its ID shows: 48 bits, enough
// to tell an analyst's tokens apart (AddAPIToken refuses a clash).
const tokenIDBytes = 6

// TokenID is the ID of the token stored under tokenHash.
func TokenID(tokenHash []byte) string {
	if len(tokenHash) > tokenIDBytes {
		tokenHash = tokenHash[:tokenIDBytes]
	}
	return hex.EncodeToString(tokenHash)
}
