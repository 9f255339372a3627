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
	// maxLinkQuotaKeys bounds the memory of the per-key counts; when full
	// of live entries, new keys are refused (fail closed).
	maxLinkQuotaKeys = 100_000
)

// linkRequestLimits counts requests for fresh links. It lives in memory: a
// restart forgets it, which costs a flood a restart per window.
type linkRequestLimits struct {
	mu        sync.Mutex
	byAddress map[string]*quotaCount
	byClient  map[string]*quotaCount
	overall   quotaCount
}

type quotaCount struct {
	since time.Time
	n     int
}

func newLinkRequestLimits() *linkRequestLimits {
	return &linkRequestLimits{byAddress: map[string]*quotaCount{}, byClient: map[string]*quotaCount{}}
}

// take counts one request for address from client at now, and tells
// whether it is within every limit. A refused request counts against
// nothing, so that a flood refused by one limit does not use up another.
func (l *linkRequestLimits) take(address, client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, okA := slot(l.byAddress, address, now)
	c, okC := slot(l.byClient, client, now)
	if !okA || !okC {
		return false
	}
	o := &l.overall
	if now.Sub(o.since) >= linkRequestWindow {
		*o = quotaCount{since: now}
	}
	if a.n >= linkRequestsPerAddress || c.n >= linkRequestsPerClient || o.n >= linkRequestsOverall {
		return false
	}
	a.n++
	c.n++
	o.n++
	return true
}

// slot is key's count in m for the window at now, made if needed; false
// when m is full of live counts.
func slot(m map[string]*quotaCount, key string, now time.Time) (*quotaCount, bool) {
	q, ok := m[key]
	if ok && now.Sub(q.since) < linkRequestWindow {
		return q, true
	}
	if !ok && len(m) >= maxLinkQuotaKeys {
		for k, q := range m {
			if now.Sub(q.since) >= linkRequestWindow {
				delete(m, k)
			}
		}
		if len(m) >= maxLinkQuotaKeys {
			return nil, false
		}
	}
	q = &quotaCount{since: now}
	m[key] = q
	return q, true
}
