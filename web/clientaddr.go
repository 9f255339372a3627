package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a reverse proxy every request comes from the proxy's address, so
// login limits and logs would see one client. Options.TrustedProxies lists
// the proxies whose X-Forwarded-For is believed; anyone else could set the
// header to dodge the limits, so it is ignored from them.

// clientIPKey is the request context key of the client address that
// ServeHTTP worked out through trusted proxies.
type clientIPKey struct{}

// withClientIP records r's client address in its context when proxies are
// trusted; without any, the TCP peer is the client and nothing is added.
func (s *Server) withClientIP(r *http.Request) *http.Request {
	if len(s.opts.TrustedProxies) == 0 {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ClientIP(r, s.opts.TrustedProxies)))
}

// clientIP is the address of the client behind a request served by a
// Server: what ClientIP found through the configured trusted proxies, or
// the TCP peer. Handlers use it for limits and logs.
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return peerIP(r)
}

// ClientIP is the address of the client behind r. It is the TCP peer,
// unless the peer is in trusted: then X-Forwarded-For is read from the
// right (the address each proxy appended last), skipping the trusted
// proxies, and the first address that is not one is the client. Entries a
// client put on the left are never reached while a trusted proxy appended
// the real address; an entry that is not an address ends the walk at the
// last trusted hop.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := peerIP(r)
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	hops := forwardedHops(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		addr = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return addr.String()
}

// peerIP is the TCP peer's address without the port.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return host
}

// forwardedHops splits X-Forwarded-For headers (several headers are one
// list, in order) into their entries.
func forwardedHops(values []string) []string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry: an address, or an address
// with a port as some proxies write it ("192.0.2.1:4711", "[2001:db8::1]:80").
func parseHop(h string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey is the key a client is counted under by the login limits: its
// IPv4 address, or the /64 of an IPv6 one, since a single subscriber is
// routinely given a whole /64 to pick addresses from.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
