package mailout

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Transport delivers one composed message. The outbox worker calls it; it
// retries transient errors with backoff, and marks an entry failed on a
// PermanentError. Keeping delivery behind this small interface lets a team
// run without a relay (DirTransport) and lets the worker be tested without
// the network.
type Transport interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// PermanentError is a refusal that retrying will not fix (an SMTP 5xx
// reply). It is a distinct type so the worker can stop retrying and mark
// the entry failed instead of hammering the relay forever; its text keeps
// the server's reply so the operator can see why.
type PermanentError struct {
	Code     int    // e.g. 550
	Enhanced string // e.g. "5.1.1", may be ""
	Message  string // the server's text
}

// Error renders the reply the way a server sends it, e.g.
// "550 5.1.1 mailbox unavailable", so it reads naturally in logs and pages.
func (e *PermanentError) Error() string {
	parts := make([]string, 0, 3)
	parts = append(parts, strconv.Itoa(e.Code))
	if e.Enhanced != "" {
		parts = append(parts, e.Enhanced)
	}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	return strings.Join(parts, " ")
}

// IsPermanent reports whether err (or any error it wraps) is a
// *PermanentError, i.e. whether the worker should give up on the entry
// rather than retry it.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}
