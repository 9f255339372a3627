package web

import (
	"sync"
	"time"
)

// limiter counts login attempts per key (a client, a name at a client) in
// a fixed window. An attempt is reserved before its password is checked
// and given back when it succeeds, so that a burst of guesses arriving
// within one bcrypt time is counted as it comes instead of after every one
// of them was checked: once max attempts are counted, the key is refused
// until the window that began with its first one ends. It lives in
// memory: a restart forgets it, which costs an attacker a restart per few
// guesses.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	keys   map[string]*attempts
}

type attempts struct {
	since time.Time
	n     int
}

// maxLimiterKeys bounds the memory a flood of names or addresses can take.
// When full of live entries, new keys are refused (fail closed): a flood
// must not be able to push out the count of the name it is guessing.
const maxLimiterKeys = 100_000

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, keys: map[string]*attempts{}}
}

// reserve counts one attempt of key and tells whether it may go on; false
// (nothing counted) when key used up its attempts in this window.
func (l *limiter) reserve(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if ok && now.Sub(f.since) >= l.window {
		delete(l.keys, key)
		ok = false
	}
	if !ok {
		if len(l.keys) >= maxLimiterKeys && !l.prune(now) {
			return false
		}
		f = &attempts{since: now}
		l.keys[key] = f
	}
	if f.n >= l.max {
		return false
	}
	f.n++
	return true
}

// release gives back one reserved attempt of key: it succeeded, or it was
// never checked.
func (l *limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok {
		return
	}
	if f.n--; f.n <= 0 {
		delete(l.keys, key)
	}
}

// reset forgets key's attempts (after a success).
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
