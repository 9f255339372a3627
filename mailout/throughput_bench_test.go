package mailout_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/mailout"
	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// doneTransport closes done once n messages went through.
type doneTransport struct {
	mailout.Transport
	n    int64
	sent atomic.Int64
	done chan struct{}
}

func (d *doneTransport) Send(ctx context.Context, from string, to []string, msg []byte) error {
	err := d.Transport.Send(ctx, from, to, msg)
	if err == nil && d.sent.Add(1) == d.n {
		close(d.done)
	}
	return err
}

// BenchmarkOutboxVsIngest (fault D8) ingests a burst of new tickets from
// distinct senders, 8 at a time, while the worker runs, and reports the
// ingest rate, the outbox rate (confirmations sent per second from the
// first ingest to the last send) and their ratio: at 1 or more the outbox
// keeps up. Ingest calls the ingester directly, which is faster than the
// SMTP path, so the ratio is if anything pessimistic.
func BenchmarkOutboxVsIngest(b *testing.B) {
	for _, tc := range []struct {
		name  string
		conns int
		smtp  bool
	}{{"dir/connections=1", 1, false}, {"dir/connections=4", 4, false}, {"smtp/connections=1", 1, true}, {"smtp/connections=4", 4, true}} {
		b.Run(tc.name, func(b *testing.B) {
			const n = 2000
			var ingestRate, outboxRate float64
			for range b.N {
				var tr mailout.Transport
				if tc.smtp {
					r := startRelay(b)
					tr = &mailout.SMTPTransport{Addr: r.addr, TLS: "none", Timeout: 10 * time.Second}
				} else {
					dir, err := mailout.NewDirTransport(filepath.Join(b.TempDir(), "outbox"))
					if err != nil {
						b.Fatal(err)
					}
					tr = dir
				}
				ir, or := outboxRound(b, tr, tc.conns, n)
				ingestRate += ir
				outboxRate += or
			}
			ingestRate /= float64(b.N)
			outboxRate /= float64(b.N)
			b.ReportMetric(ingestRate, "ingest/s")
			b.ReportMetric(outboxRate, "outbox/s")
			b.ReportMetric(outboxRate/ingestRate, "outbox/ingest")
		})
	}
}

// outboxRound runs one burst of n tickets and returns the two rates.
func outboxRound(b *testing.B, tr mailout.Transport, conns, n int) (ingest, outbox float64) {
	b.Helper()
	st, err := tickets.Open(filepath.Join(b.TempDir(), "ticketgw.db"), tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	in, err := mailin.New(st, mailin.Options{
		Addresses:    []mailin.Address{{Email: "suporte@acme.com.br", Name: "Suporte Acme", Department: "Suporte", Type: tickets.TypeSupport}},
		TicketPrefix: "SUP",
		Attachments:  tickets.AttachmentPolicy{MaxBytes: 8 << 20, Allowed: []string{"pdf"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := templates.New("")
	if err != nil {
		b.Fatal(err)
	}
	dt := &doneTransport{Transport: tr, n: int64(n), done: make(chan struct{})}
	w, err := mailout.NewWorker(st, mailout.Options{Transport: dt, Templates: tpl, BaseURL: "https://suporte.acme.com.br/", Connections: conns})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				raw := newTicketMail(fmt.Sprintf("c%d@d%d.example", i, i), fmt.Sprintf("bench%d@c", i), "Pedido")
				if _, err := in.Ingest(ctx, raw, mailin.Envelope{Source: "bench"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	ingested := time.Since(start)
	select {
	case <-dt.done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("outbox sent %d of %d in 2 minutes", dt.sent.Load(), n)
	}
	sent := time.Since(start)
	return float64(n) / ingested.Seconds(), float64(n) / sent.Seconds()
}
