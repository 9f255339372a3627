package tickets

import (
	"errors"
	"fmt"
	"time"
)

// LinkPolicy says how long deep links live.
//
// A ticket link lives while its ticket is not closed, and AfterClose after
// the ticket closed; a link made later than that (a fresh link asked for
// on a long-closed ticket) lives AfterClose after it was made, which is
// the expiry the token carries. A list (/me) link lives ListLifetime after
// it was made. Either dies at once when the customer's links are revoked
// (Tx.RevokeLinks) or when the secret that signed it is rotated away.
type LinkPolicy struct {
	AfterClose   time.Duration
	ListLifetime time.Duration
}

// DefaultLinkLifetime is the default of both lifetimes: 30 days.
const DefaultLinkLifetime = 30 * 24 * time.Hour

// OrDefault fills the lifetimes left zero with DefaultLinkLifetime.
func (p LinkPolicy) OrDefault() LinkPolicy {
	if p.AfterClose <= 0 {
		p.AfterClose = DefaultLinkLifetime
	}
	if p.ListLifetime <= 0 {
		p.ListLifetime = DefaultLinkLifetime
	}
	return p
}

// LinkStatus is the verdict on a deep link.
type LinkStatus int

// The verdicts. Only LinkValid opens the page; LinkInvalid is answered
// like a page that does not exist; the others, tokens we did make, lead
// to the page where the customer asks for a fresh link.
const (
	LinkInvalid LinkStatus = iota // not ours, or not for this ticket
	LinkValid
	LinkExpired
	LinkRevoked // the customer's links were revoked since it was made
	LinkLegacy  // made before links had versions and expiries
)

// Fresh tells whether the customer may be offered a fresh link.
func (s LinkStatus) Fresh() bool { return s == LinkExpired || s == LinkRevoked || s == LinkLegacy }

// CheckTicketLink judges the token of a link to ticket key at now and
// returns the ticket when the token is genuine. A ticket that does not
// exist is LinkInvalid, not an error.
func CheckTicketLink(v View, p LinkPolicy, key, token string, now time.Time) (LinkStatus, Ticket, error) {
	p = p.OrDefault()
	keys, err := v.LinkKeys()
	if err != nil {
		return LinkInvalid, Ticket{}, err
	}
	c, ok := ParseTicketLink(keys, key, token, now)
	if !ok {
		return LinkInvalid, Ticket{}, nil
	}
	tk, err := v.Ticket(key)
	if errors.Is(err, ErrNotFound) {
		return LinkInvalid, Ticket{}, nil
	}
	if err != nil {
		return LinkInvalid, Ticket{}, err
	}
	if c.Legacy {
		return LinkLegacy, tk, nil
	}
	version, err := v.LinkVersion(tk.Requester)
	if err != nil {
		return LinkInvalid, Ticket{}, err
	}
	if c.Version != version {
		return LinkRevoked, tk, nil
	}
	if now.Before(c.Expires) || tk.Status != StatusClosed {
		return LinkValid, tk, nil
	}
	closed, err := v.ClosedAt(tk.Key)
	if err != nil {
		return LinkInvalid, Ticket{}, fmt.Errorf("link of %s: %w", tk.Key, err)
	}
	if now.Before(closed.Add(p.AfterClose)) {
		return LinkValid, tk, nil
	}
	return LinkExpired, tk, nil
}

// CheckListLink judges the token of a link to a customer's list at now
// and returns the address it was made for when it is genuine.
func CheckListLink(v View, token string, now time.Time) (LinkStatus, string, error) {
	keys, err := v.LinkKeys()
	if err != nil {
		return LinkInvalid, "", err
	}
	c, ok := ParseListLink(keys, token, now)
	switch {
	case !ok || c.Email == "":
		return LinkInvalid, "", nil
	case c.Legacy:
		return LinkLegacy, c.Email, nil
	}
	version, err := v.LinkVersion(c.Email)
	if err != nil {
		return LinkInvalid, "", err
	}
	if c.Version != version {
		return LinkRevoked, c.Email, nil
	}
	if !now.Before(c.Expires) {
		return LinkExpired, c.Email, nil
	}
	return LinkValid, c.Email, nil
}

// NewTicketLink makes the token of a link to tk's page at now, under its
// requester's current link version.
func NewTicketLink(v View, p LinkPolicy, tk Ticket, now time.Time) (string, error) {
	keys, err := v.LinkKeys()
	if err != nil {
		return "", err
	}
	version, err := v.LinkVersion(tk.Requester)
	if err != nil {
		return "", err
	}
	return TicketLink(keys, tk.Key, version, now.Add(p.OrDefault().AfterClose)), nil
}

// NewListLink makes the token of a link to email's list at now, under the
// address's current link version.
func NewListLink(v View, p LinkPolicy, email string, now time.Time) (string, error) {
	keys, err := v.LinkKeys()
	if err != nil {
		return "", err
	}
	version, err := v.LinkVersion(email)
	if err != nil {
		return "", err
	}
	return ListLink(keys, email, version, now.Add(p.OrDefault().ListLifetime)), nil
}
