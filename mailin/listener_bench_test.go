package mailin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// BenchmarkSMTPListener measures messages per second through the listener
// into the store, durable commit included, beside a bare go-smtp server
// that discards DATA, both driven in the same run by 20 concurrent sessions
// sending 2 KB messages. It reports both rates and their ratio (gateway /
// bare); the target on 2 cores is at least 1,000 msgs/s and half the bare
// rate.
//
// A third server, the durable floor, answers 250 only after the raw bytes
// and their dedupe key are committed to a store of its own (the same group
// commit, no parsing, no ticket): no gateway that acknowledges only
// durable mail can beat it, so floor-ratio (floor / bare) bounds the ratio
// the gateway can reach on this machine's disk, and gateway-vs-floor shows
// what the gateway's own work costs.
func BenchmarkSMTPListener(b *testing.B) {
	const sessions = 20
	bare := startBare(b)
	floor := startFloor(b)
	opts := corpusOptions()
	// serve's defaults: every message passes the memory budget.
	mem, err := budget.New(256<<20, 64)
	if err != nil {
		b.Fatal(err)
	}
	opts.Budget = mem
	g, _ := newIngester(b, opts)
	gw := startListener(b, g, mailin.ListenerOptions{MaxConnsPerIP: 100})
	var seq atomic.Int64
	b.ResetTimer()
	bareRate := drive(b, bare, sessions, b.N, &seq)
	floorRate := drive(b, floor, sessions, b.N, &seq)
	gwRate := drive(b, gw, sessions, b.N, &seq)
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(bareRate, "bare-msgs/s")
	b.ReportMetric(floorRate, "floor-msgs/s")
	b.ReportMetric(gwRate, "gateway-msgs/s")
	b.ReportMetric(gwRate/bareRate, "ratio")
	b.ReportMetric(floorRate/bareRate, "floor-ratio")
	b.ReportMetric(gwRate/floorRate, "gateway-vs-floor")
}

// drive sends n messages over the given number of sessions and returns
// the rate in messages per second.
func drive(b *testing.B, addr string, sessions, n int, seq *atomic.Int64) float64 {
	b.Helper()
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range sessions {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				failed.Store(err)
				return
			}
			c := smtp.NewClient(conn)
			defer c.Close()
			for left.Add(-1) >= 0 {
				i := seq.Add(1)
				if _, err := sendMail(c, "c@cliente.com.br", []string{"suporte@acme.com.br"}, benchMessage(i)); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds()
}

// benchMessage is a 2 KB message, unique by its Message-ID.
func benchMessage(i int64) []byte {
	head := fmt.Sprintf("From: Cliente <c@cliente.com.br>\r\nTo: suporte@acme.com.br\r\nSubject: Pedido %d\r\nMessage-ID: <bench.%d@cliente.com.br>\r\nDate: Tue, 24 Nov 2026 10:00:00 -0300\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", i, i)
	line := "O sistema apresenta erro ao emitir a nota fiscal depois da atualização.\r\n"
	return []byte(head + strings.Repeat(line, (2048-len(head))/len(line)+1))
}

// startBare serves a go-smtp server that accepts every recipient and
// discards DATA: the floor of what SMTP itself costs here.
func startBare(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return bareSession{}, nil }))
	srv.Domain = "bare.test"
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients hang up at the end
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// startFloor serves a go-smtp server that commits each message's raw bytes
// and a dedupe key to a store before its 250, and does nothing else: the
// floor of what a durable acknowledgement costs here.
func startFloor(b *testing.B) string {
	st := openStore(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return floorSession{st}, nil }))
	srv.Domain = "floor.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	return ln.Addr().String()
}

type floorSession struct{ st tickets.Store }

func (floorSession) Reset()                               {}
func (floorSession) Logout() error                        { return nil }
func (floorSession) Mail(string, *smtp.MailOptions) error { return nil }
func (floorSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (f floorSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	return f.st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.RecordInbound(&tickets.Inbound{Source: "floor", Outcome: tickets.Ignored}, raw, "sha256:"+hex.EncodeToString(sum[:]))
	})
}

type bareSession struct{}

func (bareSession) Reset()                               {}
func (bareSession) Logout() error                        { return nil }
func (bareSession) Mail(string, *smtp.MailOptions) error { return nil }
func (bareSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (bareSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
