package web

import (
	"sync"
	"time"
)

// The limits on requests for a fresh link, in a fixed window each. Per
// address they keep anyone from filling a customer's mailbox (the loop
// budget of [outbound] applies on top); per client and overall they keep
// one visitor, or many, from using the page to send mail in bulk or to
// probe addresses.
const (
	linkRequestsPerAddress = 3
	linkRequestsPerClient  = 10
	linkRequestsOverall    = 200
	linkRequestWindow      = time.Hour
)

// linkRequestLimits counts requests for fresh links, with one limiter
// (ratelimit.go) per scope. It lives in memory: a restart forgets it,
// which costs a flood a restart per window.
type linkRequestLimits struct {
	mu                         sync.Mutex // the three counts move together
	byAddress, byClient, total *limiter
}

func newLinkRequestLimits() *linkRequestLimits {
	return &linkRequestLimits{
		byAddress: newLimiter(linkRequestsPerAddress, linkRequestWindow),
		byClient:  newLimiter(linkRequestsPerClient, linkRequestWindow),
		total:     newLimiter(linkRequestsOverall, linkRequestWindow),
	}
}

// take counts one request for address from client at now, and tells
// whether it is within every limit. A refused request counts against
// nothing, so that a flood refused by one limit does not use up another.
func (l *linkRequestLimits) take(address, client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.byAddress.reserve(address, now) {
		return false
	}
	if !l.byClient.reserve(client, now) {
		l.byAddress.release(address)
		return false
	}
	if !l.total.reserve("", now) {
		l.byAddress.release(address)
		l.byClient.release(client)
		return false
	}
	return true
}
