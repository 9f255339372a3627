package web

import (
	"sync"
	"time"
)

// limiter counts failures per key (a client address, an analyst name) in
// a fixed window: once max failures are counted, the key is refused until
// the window that began with its first failure ends. It lives in memory:
// a restart forgets it, which costs an attacker a restart per few guesses.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	keys   map[string]*failures
}

type failures struct {
	since time.Time
	n     int
}

// maxLimiterKeys bounds the memory a flood of names or addresses can take.
// When full of live entries, new keys are refused (fail closed): a flood
// must not be able to push out the count of the name it is guessing.
const maxLimiterKeys = 100_000

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, keys: map[string]*failures{}}
}

// allowed tells whether key may try again now.
func (l *limiter) allowed(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok {
		return len(l.keys) < maxLimiterKeys || l.prune(now)
	}
	if now.Sub(f.since) >= l.window {
		delete(l.keys, key)
		return true
	}
	return f.n < l.max
}

// fail counts one failure of key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok || now.Sub(f.since) >= l.window {
		if !ok && len(l.keys) >= maxLimiterKeys && !l.prune(now) {
			return
		}
		f = &failures{since: now}
		l.keys[key] = f
	}
	f.n++
}

// reset forgets key's failures (after a success).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// prune drops the keys whose window ended and tells whether room was made.
// Called with mu held.
func (l *limiter) prune(now time.Time) bool {
	for k, f := range l.keys {
		if now.Sub(f.since) >= l.window {
			delete(l.keys, k)
		}
	}
	return len(l.keys) < maxLimiterKeys
}
