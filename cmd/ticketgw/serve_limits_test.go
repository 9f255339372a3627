package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/config"
)

// TestWebConnectionCaps runs the web server as serve builds it (limits,
// caps) with 127.0.0.1 as the exempt network: half-sent POSTs from one
// address stop at web.max_connections_per_ip and the next gets 503, while
// another address and the exempt one are served.
func TestWebConnectionCaps(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	})
	hs := newHTTPServer(h, log)
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= hs.ReadTimeout || hs.IdleTimeout <= 0 || hs.MaxHeaderBytes <= 0 || hs.MaxHeaderBytes > 1<<20 {
		t.Errorf("web server limits: header %v read %v write %v idle %v header bytes %d", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout, hs.MaxHeaderBytes)
	}
	ln := limitWeb(raw, config.Web{MaxConnections: 50, MaxConnectionsPerIP: 5}, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, log)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	addr := raw.Addr().String()

	halfPost := func(from string) net.Conn {
		t.Helper()
		c, err := dialFrom(from, addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
		return c
	}
	get := func(from string) string {
		t.Helper()
		c, err := dialFrom(from, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimSpace(line)
	}
	for range 5 {
		halfPost("127.0.0.2")
	}
	// The five are held (the handler waits for their bodies); the sixth
	// from the same address is refused before its request is read.
	if got := get("127.0.0.2"); got != "HTTP/1.1 503 Service Unavailable" {
		t.Errorf("6th connection from 127.0.0.2: %q, want 503", got)
	}
	if got := get("127.0.0.3"); got != "HTTP/1.1 200 OK" {
		t.Errorf("GET from another address: %q", got)
	}
	for range 10 {
		halfPost("127.0.0.1")
	}
	if got := get("127.0.0.1"); got != "HTTP/1.1 200 OK" {
		t.Errorf("GET from the exempt address past the per-IP cap: %q", got)
	}
}

// TestWebExemptTrustedProxies: a reverse proxy named in web.trusted_proxies
// carries every client's requests, so it is exempt from the per-IP cap
// like loopback.
func TestWebExemptTrustedProxies(t *testing.T) {
	proxies, err := config.Web{TrustedProxies: []string{"10.1.2.0/24", "192.0.2.7"}}.Proxies()
	if err != nil {
		t.Fatal(err)
	}
	exempt := webExempt(proxies)
	for _, ip := range []string{"127.0.0.1", "::1", "10.1.2.200", "192.0.2.7"} {
		a := netip.MustParseAddr(ip)
		if !slices.ContainsFunc(exempt, func(p netip.Prefix) bool { return p.Contains(a) }) {
			t.Errorf("%s is not exempt: %v", ip, exempt)
		}
	}
	if a := netip.MustParseAddr("192.0.2.8"); slices.ContainsFunc(exempt, func(p netip.Prefix) bool { return p.Contains(a) }) {
		t.Errorf("%s, not a proxy, is exempt: %v", a, exempt)
	}
}
