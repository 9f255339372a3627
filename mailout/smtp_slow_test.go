package mailout

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowProxy stands between the client and addr and holds every chunk the
// server writes for delay before passing it on: a relay that takes delay
// to answer each step, the greeting included. It is a stand-in for a
// loaded relay, the delay is the peer's behaviour under test, not a wait
// for the test's own goroutines.
func slowProxy(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			track(client)
			track(server)
			wg.Go(func() {
				_, _ = io.Copy(server, client)
				server.Close()
			})
			// Each chunk leaves delay after the server wrote it, however
			// many lines a reply takes.
			type chunk struct {
				at   time.Time
				data []byte
			}
			chunks := make(chan chunk, 1024)
			wg.Go(func() {
				defer close(chunks)
				buf := make([]byte, 64<<10)
				for {
					n, err := server.Read(buf)
					if n > 0 {
						chunks <- chunk{time.Now(), append([]byte(nil), buf[:n]...)}
					}
					if err != nil {
						return
					}
				}
			})
			wg.Go(func() {
				defer client.Close()
				for c := range chunks {
					time.Sleep(time.Until(c.at.Add(delay)))
					if _, err := client.Write(c.data); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestSMTPSlowRelayGetsMail is fault D7 scaled down: a relay that waits
// 400ms before every reply, against a 700ms timeout for every step. The
// session as a whole takes several times the timeout (greeting and EHLO
// alone take more than one), and the mail arrives, because every step has
// its own deadline; with STARTTLS the handshake's flights are slow too.
func TestSMTPSlowRelayGetsMail(t *testing.T) {
	const delay, step = 400 * time.Millisecond, 700 * time.Millisecond
	cert, pool := selfSigned(t)
	for _, mode := range []string{"none", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := &relay{}
			addr := slowProxy(t, serveRelay(t, r, mode, cert), delay)
			tr := &SMTPTransport{Addr: addr, TLS: mode, Timeout: step, GreetingTimeout: step, CommandTimeout: step, DataTimeout: step,
				TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
			start := time.Now()
			if err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg)); err != nil {
				t.Fatalf("Send after %v: %v", time.Since(start), err)
			}
			took := time.Since(start)
			wantDelivered(t, r, "suporte@acme.com.br", []string{"maria@cliente.com.br"})
			if took < 3*step {
				t.Errorf("session took %v: the relay was not slow enough to show anything", took)
			}
			t.Logf("%s: delivered in %v with %v per reply and %v per step", mode, took, delay, step)
		})
	}
}

// TestSMTPStepTimeoutStillBounds: a relay slower than the step's timeout
// (here the final reply to DATA) is still given up on, as a timeout.
func TestSMTPStepTimeoutStillBounds(t *testing.T) {
	r := &relay{dataHold: make(chan struct{})}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none", Timeout: time.Second, GreetingTimeout: time.Second, CommandTimeout: time.Second, DataTimeout: 300 * time.Millisecond}
	start := time.Now()
	err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(relayMsg))
	wantTransient(t, err)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "end of data") {
		t.Errorf("error %q is not a timeout at the end of data", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("gave up after %v with a 300ms data timeout", took)
	}
}
