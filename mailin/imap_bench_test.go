package mailin_test

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ticketgw/ticketgw/internal/dovecotrun"
)

// BenchmarkDovecotBacklog drains a 2,000-message Dovecot backlog (2 KB
// each) with the poller into a real store, beside a bare go-imap client
// that fetches the same messages (BODY.PEEK[], batches of 50) and ingests
// nothing, in the same run. One drain is one iteration: run it with
// -benchtime=1x. Target: at least 500 msgs/s for the poller.
func BenchmarkDovecotBacklog(b *testing.B) {
	const n = 2000
	for b.Loop() {
		d := dovecotrun.Start(b)
		for i := range n {
			d.Deliver(b, benchMessage(int64(i)))
		}
		bare := bareFetch(b, d)
		g, st := newIngester(b, corpusOptions())
		start := time.Now()
		stop := runPoller(b, g, st, dovecotOptions(d, "seen"))
		eventually(b, "the backlog drained", func() bool { _, seen := d.Flags(b); return seen == n })
		poller := float64(n) / time.Since(start).Seconds()
		stop()
		if got := countTickets(b, st); got != n {
			b.Fatalf("%d tickets", got)
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(bare, "bare-msgs/s")
		b.ReportMetric(poller, "poller-msgs/s")
		b.ReportMetric(poller/bare, "ratio")
	}
}

// bareFetch fetches every message of the INBOX and returns messages/s.
func bareFetch(b *testing.B, d *dovecotrun.Server) float64 {
	start := time.Now()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(d.User, d.Password).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		b.Fatal(err)
	}
	uids := data.AllUIDs()
	section := &imap.FetchItemBodySection{Peek: true}
	for i := 0; i < len(uids); i += 50 {
		msgs, err := c.Fetch(imap.UIDSetNum(uids[i:min(i+50, len(uids))]...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil || len(msgs) == 0 {
			b.Fatalf("fetch: %v", err)
		}
	}
	return float64(len(uids)) / time.Since(start).Seconds()
}
