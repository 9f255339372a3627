package connlimit_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/connlimit"
)

func tcp(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }

func TestAcquirePerIPAndExempt(t *testing.T) {
	l := connlimit.New(connlimit.Options{Max: 10, PerIP: 2, Reserved: 3, Exempt: connlimit.Loopback()})
	var releases []func()
	take := func(addr string) error {
		rel, err := l.Acquire(tcp(addr))
		if err == nil {
			releases = append(releases, rel)
		}
		return err
	}
	// A stranger gets two, not three.
	for i := range 2 {
		if err := take("192.0.2.1:1000"); err != nil {
			t.Fatalf("stranger connection %d: %v", i, err)
		}
	}
	if err := take("192.0.2.1:1001"); !errors.Is(err, connlimit.ErrPerIP) {
		t.Fatalf("third from one address: %v, want ErrPerIP", err)
	}
	// IPv6 clients count by /64: rotating the interface id does not help.
	if err := take("[2001:db8:1:2::1]:1"); err != nil {
		t.Fatal(err)
	}
	if err := take("[2001:db8:1:2::ffff]:1"); err != nil {
		t.Fatal(err)
	}
	if err := take("[2001:db8:1:2:abcd::1]:1"); !errors.Is(err, connlimit.ErrPerIP) {
		t.Fatalf("third from one /64: %v, want ErrPerIP", err)
	}
	// Strangers stop at Max-Reserved = 7 (4 held now).
	for _, a := range []string{"192.0.2.2:1", "192.0.2.3:1", "192.0.2.4:1"} {
		if err := take(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if err := take("192.0.2.5:1"); !errors.Is(err, connlimit.ErrTotal) {
		t.Fatalf("8th stranger: %v, want ErrTotal", err)
	}
	// The reserve is the trusted clients': loopback takes the last three,
	// more than PerIP from one address, then Max holds for it too.
	for i := range 3 {
		if err := take("127.0.0.1:2525"); err != nil {
			t.Fatalf("trusted connection %d: %v", i, err)
		}
	}
	if err := take("127.0.0.1:2525"); !errors.Is(err, connlimit.ErrTotal) {
		t.Fatalf("trusted past Max: %v, want ErrTotal", err)
	}
	if total, _ := l.Held(tcp("127.0.0.1:1")); total != 10 {
		t.Fatalf("held %d, want 10", total)
	}
	for _, rel := range releases {
		rel()
	}
	if total, mine := l.Held(tcp("192.0.2.1:1")); total != 0 || mine != 0 {
		t.Fatalf("after release: held %d, %d from 192.0.2.1", total, mine)
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := connlimit.ParsePrefixes([]string{"10.1.2.3/8", "::1", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "::1/128", "192.0.2.7/32"}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, p, want[i])
		}
	}
	if _, err := connlimit.ParsePrefixes([]string{"localhost"}); err == nil {
		t.Error("a host name was taken as a network")
	}
}

// TestListenRefusesAndReleases: over real TCP from distinct loopback
// addresses, the listener answers the refused with the refusal and gives a
// slot back when a connection closes.
func TestListenRefusesAndReleases(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.New(connlimit.Options{Max: 100, PerIP: 1, Exempt: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ln := l.Listen(raw, "test", func(c net.Conn, err error) { io.WriteString(c, "NO "+err.Error()+"\r\n") }, nil)
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			io.WriteString(c, "HELLO\r\n")
			accepted <- c
		}
	}()
	greet := func(from string) string {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimSpace(line)
	}
	if got := greet("127.0.0.2"); got != "HELLO" {
		t.Fatalf("first from 127.0.0.2: %q", got)
	}
	first := <-accepted
	if got := greet("127.0.0.2"); got != "NO "+connlimit.ErrPerIP.Error() {
		t.Fatalf("second from 127.0.0.2: %q, want the refusal", got)
	}
	// The exempt address is not capped per IP.
	for range 3 {
		if got := greet("127.0.0.1"); got != "HELLO" {
			t.Fatalf("trusted: %q", got)
		}
		<-accepted
	}
	// Closing the first gives its slot back; Close twice gives back once.
	first.Close()
	first.Close()
	if got := greet("127.0.0.2"); got != "HELLO" {
		t.Fatalf("after close, from 127.0.0.2: %q", got)
	}
	if total, _ := l.Held(tcp("127.0.0.2:1")); total != 4 {
		t.Fatalf("held %d, want 4", total)
	}
}
