package web

import (
	"context"
	"runtime"
	"strings"
	"time"
)

// The login form's limits against guessing (README, "The web view"):
//
//   - 5 attempts per name from one client in 15 minutes: a stranger's
//     failures for "carla" from elsewhere do not lock carla out of her own
//     address, and a guesser gets 5 tries per address;
//   - 20 attempts per client in 15 minutes, across names (an IPv6 client
//     is its /64), so that one client cannot walk through the names;
//   - at most Options.MaxLoginChecks password checks at once (half the
//     processors by default) for everyone together, with up to 8 per
//     check waiting at most 5 s for their turn and the rest answered 503:
//     a botnet, which has addresses enough for the other two limits,
//     still cannot take more than that share of the CPU from the mail.
//
// Attempts are reserved before the password is checked and a success
// gives its reservation back, so concurrent guesses count as they come.
const (
	loginWindow            = 15 * time.Minute
	maxLoginsPerNameClient = 5
	maxLoginsPerClient     = 20
	loginWaitersPerCheck   = 8
	loginCheckWait         = 5 * time.Second
	// maxNameKey bounds the name part of a limiter key: analyst names
	// have at most 64 bytes, and a posted name may have a megabyte.
	maxNameKey = 64
)

// defaultLoginChecks is half the processors, at least one.
func defaultLoginChecks() int {
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// loginGuard holds the login limits.
type loginGuard struct {
	byClient, byNameClient *limiter
	// checks holds a token per password check running; waiting one per
	// request waiting for a check.
	checks, waiting chan struct{}
}

func newLoginGuard(maxChecks int) *loginGuard {
	return &loginGuard{
		byClient:     newLimiter(maxLoginsPerClient, loginWindow),
		byNameClient: newLimiter(maxLoginsPerNameClient, loginWindow),
		checks:       make(chan struct{}, maxChecks),
		waiting:      make(chan struct{}, maxChecks*loginWaitersPerCheck),
	}
}

// loginAttempt is one reserved attempt; it counts as a failure unless
// succeeded or unchecked says otherwise.
type loginAttempt struct {
	g                  *loginGuard
	clientKey, nameKey string
}

// admit reserves an attempt at name from the client address ip; false
// when either limit is used up (nothing is counted then).
func (g *loginGuard) admit(name, ip string, now time.Time) (loginAttempt, bool) {
	name = strings.ToLower(name)
	if len(name) > maxNameKey {
		name = name[:maxNameKey]
	}
	a := loginAttempt{g: g, clientKey: clientKey(ip)}
	a.nameKey = name + "\x00" + a.clientKey
	if !g.byClient.reserve(a.clientKey, now) {
		return a, false
	}
	if !g.byNameClient.reserve(a.nameKey, now) {
		g.byClient.release(a.clientKey)
		return a, false
	}
	return a, true
}

// succeeded gives the attempt back and forgets the name's failures at
// this client: the person at it knows the password.
func (a loginAttempt) succeeded() {
	a.g.byNameClient.reset(a.nameKey)
	a.g.byClient.release(a.clientKey)
}

// unchecked gives the attempt back: no password was checked.
func (a loginAttempt) unchecked() {
	a.g.byNameClient.release(a.nameKey)
	a.g.byClient.release(a.clientKey)
}

// acquire waits for a password check's turn; false when too many wait
// already, or the turn did not come in loginCheckWait or before ctx ended.
// A true is paired with done.
func (g *loginGuard) acquire(ctx context.Context) bool {
	select {
	case g.checks <- struct{}{}:
		return true
	default:
	}
	select {
	case g.waiting <- struct{}{}:
	default:
		return false
	}
	defer func() { <-g.waiting }()
	t := time.NewTimer(loginCheckWait)
	defer t.Stop()
	select {
	case g.checks <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// done ends a password check.
func (g *loginGuard) done() { <-g.checks }
