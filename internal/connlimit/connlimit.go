// Package connlimit caps the connections a listener holds, in all and per
// client, so that no client can use up the process's file descriptors and
// no flood of strangers can lock out the clients the gateway exists for
// (the local MTA, a reverse proxy).
//
// The SMTP listener and the web server share it. A connection is admitted
// or refused before any protocol is spoken; a refused one is answered by
// the caller's refusal (421 for SMTP, 503 for HTTP) and closed.
//
// Trusted clients are protected by a reserve rather than by evicting
// sessions: strangers may hold at most Max−Reserved connections, so the
// last Reserved slots are always free for exempt networks. A reserve needs
// no knowledge of what a session is doing, works the same for SMTP and
// HTTP, and never cuts a legitimate slow sender off mid-message; the
// stranger it refuses gets a temporary answer and retries.
package connlimit

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Options configure a Limiter. A zero Max or PerIP means no such bound.
type Options struct {
	// Max bounds the connections held at once, exempt ones included.
	Max int
	// PerIP bounds the connections of one client: one IPv4 address, or
	// one IPv6 /64 (what one customer of an ISP usually gets), so that a
	// client cannot step around the cap by rotating through its own
	// prefix.
	PerIP int
	// Exempt networks skip the per-IP cap but not Max: a local MTA or a
	// reverse proxy carries many clients' traffic over one address.
	Exempt []netip.Prefix
	// Reserved slots of Max only exempt clients may take. It is clamped to
	// Max.
	Reserved int
}

// Errors of Acquire, so that callers can say why in their refusal.
var (
	ErrTotal = errors.New("too many connections")
	ErrPerIP = errors.New("too many connections from this address")
)

// Limiter counts the connections held. It is safe for concurrent use.
type Limiter struct {
	opts Options

	mu        sync.Mutex
	total     int
	strangers int // connections from outside Exempt
	perIP     map[netip.Addr]int
}

// New returns a Limiter for opts.
func New(opts Options) *Limiter {
	if opts.Max > 0 && opts.Reserved > opts.Max {
		opts.Reserved = opts.Max
	}
	if opts.Reserved < 0 {
		opts.Reserved = 0
	}
	return &Limiter{opts: opts, perIP: map[netip.Addr]int{}}
}

func (l *Limiter) exempt(ip netip.Addr) bool {
	for _, p := range l.opts.Exempt {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Acquire takes a slot for a connection from remote, or says why not
// (ErrTotal, ErrPerIP). release gives the slot back; it must be called
// exactly once.
func (l *Limiter) Acquire(remote net.Addr) (release func(), err error) {
	ip, hasIP := addrIP(remote)
	exempt := !hasIP || l.exempt(ip)
	key := clientKey(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.opts.Max > 0 && l.total >= l.opts.Max:
		return nil, ErrTotal
	case !exempt && l.opts.Max > 0 && l.strangers >= l.opts.Max-l.opts.Reserved:
		return nil, ErrTotal
	case !exempt && l.opts.PerIP > 0 && l.perIP[key] >= l.opts.PerIP:
		return nil, ErrPerIP
	}
	l.total++
	if !exempt {
		l.strangers++
		l.perIP[key]++
	}
	return func() { l.release(key, exempt) }, nil
}

func (l *Limiter) release(key netip.Addr, exempt bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if !exempt {
		l.strangers--
		if l.perIP[key]--; l.perIP[key] <= 0 {
			delete(l.perIP, key)
		}
	}
}

// Held returns the connections held now, in all and from the client of
// remote (0 for an exempt one): for tests and logs.
func (l *Limiter) Held(remote net.Addr) (total, fromClient int) {
	ip, _ := addrIP(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, l.perIP[clientKey(ip)]
}

// addrIP is the IP address of a TCP or UDP peer, IPv4-mapped IPv6 unmapped.
func addrIP(a net.Addr) (netip.Addr, bool) {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	default:
		if a == nil {
			return netip.Addr{}, false
		}
		p, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.Addr{}, false
		}
		ap = p
	}
	ip := ap.Addr().Unmap()
	return ip, ip.IsValid()
}

// clientKey is what the per-IP cap counts: the address itself for IPv4,
// its /64 for IPv6.
func clientKey(ip netip.Addr) netip.Addr {
	if ip.Is6() {
		p, err := ip.WithZone("").Prefix(64)
		if err == nil {
			return p.Addr()
		}
	}
	return ip
}

// ParsePrefixes parses CIDR networks ("127.0.0.0/8", "::1/128"); a bare
// address counts as its own /32 or /128.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses one network for ParsePrefixes.
// A bare address is its own /32 or /128; an IPv4-mapped one is IPv4.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("\"" + s + "\" is not a network like 127.0.0.0/8 or ::1/128, nor an address")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Loopback is 127.0.0.0/8 and ::1/128, the default exempt networks.
func Loopback() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}
