package mailin_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ticketgw/ticketgw/mailin"
)

// BenchmarkIngest measures one typical message (Gmail multipart/alternative
// with a signature) from parse to durable commit, each a new ticket.
func BenchmarkIngest(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "001-gmail-novo-chamado.eml"))
	if err != nil {
		b.Fatal(err)
	}
	g, _ := newIngester(b, corpusOptions())
	ctx := context.Background()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		msg := bytes.Replace(raw, []byte("Message-ID: <"), fmt.Appendf(nil, "Message-ID: <%d.", i), 1)
		res, err := g.Ingest(ctx, msg, mailin.Envelope{Source: "bench"})
		if err != nil || res.Outcome != "created" {
			b.Fatalf("%+v %v", res, err)
		}
	}
}

// BenchmarkParse is the parse alone, the baseline that shows what the
// store's commit costs on top.
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "001-gmail-novo-chamado.eml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := mailin.Parse(raw, mailin.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareCommit is the floor under BenchmarkIngest: one bbolt
// transaction that stores the same raw bytes and commits (fsync), with no
// parsing, matching or indexes. Ingest's cost over it is the gateway's own.
func BenchmarkBareCommit(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "001-gmail-novo-chamado.eml"))
	if err != nil {
		b.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetBytes(int64(len(raw)))
	for i := 0; b.Loop(); i++ {
		err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("raw"))
			if err != nil {
				return err
			}
			return bk.Put(fmt.Appendf(nil, "%08d", i), raw)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngestParallel ingests 2 KB messages from many goroutines into
// one store: the ceiling the SMTP listener works under, since the store's
// commits are serial and shared.
func BenchmarkIngestParallel(b *testing.B) {
	g, _ := newIngester(b, corpusOptions())
	var seq atomic.Int64
	b.SetParallelism(10)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := g.Ingest(context.Background(), benchMessage(seq.Add(1)), mailin.Envelope{Source: "bench"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
