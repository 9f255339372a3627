package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	benchTickets = 100_000
	benchBatch   = 100 // queries per iteration, for the percentiles
)

// benchCorpus is the made-up language of the benchmark store: sentences of
// words drawn with a Zipf law, as in real text, and how many texts use
// each word.
type benchCorpus struct {
	words     []string
	sentences []benchSentence
	docs      []int // texts each word is in
	seen      []uint32
	stamp     uint32 // the text being made, for seen
	reqs      []string
	orders    []string // order numbers written, one per text
}

type benchSentence struct {
	text  string
	words []uint16
}

func newBenchCorpus(r *rand.Rand) *benchCorpus {
	syll := []string{"ca", "ma", "ção", "lo", "ti", "ré", "nho", "pa", "vo", "ên", "ci", "da", "de", "to", "ra", "que", "gu", "lha", "são", "bo", "fi", "nú", "me", "ro", "sa"}
	c := &benchCorpus{}
	seen := map[string]bool{}
	for len(c.words) < 30000 {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			c.words = append(c.words, w)
		}
	}
	z := rand.NewZipf(r, 1.07, 2, uint64(len(c.words)-1))
	for range 100_000 {
		var b strings.Builder
		var ids []uint16
		for i := range 10 + r.IntN(10) {
			w := uint16(z.Uint64())
			ids = append(ids, w)
			if i == 0 {
				b.WriteString(strings.ToUpper(c.words[w][:1]) + c.words[w][1:])
			} else {
				b.WriteString(" " + c.words[w])
			}
		}
		b.WriteString(". ")
		c.sentences = append(c.sentences, benchSentence{text: b.String(), words: ids})
	}
	c.docs = make([]int, len(c.words))
	c.seen = make([]uint32, len(c.words))
	for i := range 30000 {
		c.reqs = append(c.reqs, fmt.Sprintf("cliente%d@empresa%d.com.br", i, i%700))
	}
	return c
}

// text makes about n bytes of sentences and an order number, as real mail
// has, counting in docs each word once per text.
func (c *benchCorpus) text(r *rand.Rand, n int) string {
	c.stamp++
	b := make([]byte, 0, n+64)
	for len(b) < n {
		st := &c.sentences[r.IntN(len(c.sentences))]
		for _, w := range st.words {
			if c.seen[w] != c.stamp {
				c.seen[w] = c.stamp
				c.docs[w]++
			}
		}
		b = append(b, st.text...)
	}
	order := fmt.Sprint(100_000_000 + r.IntN(900_000_000))
	c.orders = append(c.orders, order)
	return string(append(append(b, "\nPedido "...), order...))
}

// buildBenchStore writes tickets of two messages of about 1 KB each
// straight into the buckets, in large transactions without fsync: seconds,
// where ingest would take minutes. One goroutine makes and encodes the
// records while the other writes them.
func buildBenchStore(b *testing.B, path string, r *rand.Rand, tickets int) *benchCorpus {
	b.Helper()
	st, err := Open(path, Options{Prefix: "SUP", FirstNumber: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	st.db.NoSync = true
	c := newBenchCorpus(r)
	type record struct {
		bucket, key, val []byte
	}
	chunks := make(chan []record, 1)
	go func() {
		defer close(chunks)
		end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		statuses := []Status{StatusOpen, StatusOpen, StatusInProgress, StatusWaitingCustomer, StatusResolved, StatusResolved, StatusResolved, StatusClosed, StatusClosed, StatusClosed}
		depts := []string{"Suporte", "Financeiro", "Bugs", "Melhorias", "Comercial"}
		var chunk []record
		put := func(bucket, key []byte, v any) {
			val, err := json.Marshal(v)
			if err != nil {
				panic(err) // cannot happen: plain structs
			}
			chunk = append(chunk, record{bucket, key, val})
		}
		for n := uint64(1); n <= uint64(tickets); n++ {
			created := end.Add(-time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
			updated := created.Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
			req := c.reqs[r.IntN(len(c.reqs))]
			tk := Ticket{
				Key: FormatKey("SUP", n), Subject: c.text(r, 40), Status: statuses[r.IntN(len(statuses))],
				Type: Types()[r.IntN(3)], Department: depts[r.IntN(len(depts))], Requester: req,
				Assignee: fmt.Sprintf("analista%d", r.IntN(20)), CreatedAt: created, UpdatedAt: updated,
				Participants: []string{req},
			}
			put(bTickets, u64(n), &tk)
			in, out := c.text(r, 1000), c.text(r, 1000)
			for i, m := range []Message{
				{Direction: DirIn, From: req, Text: in, FullText: in, ReceivedAt: created, MessageID: fmt.Sprintf("<%d@cliente>", n)},
				{Direction: DirOut, From: tk.Assignee, Text: out, FullText: out, ReceivedAt: updated, MessageID: fmt.Sprintf("<%d@suporte>", n)},
			} {
				seq := 2*n + uint64(i)
				m.ID = fmt.Sprint(seq)
				put(bMessages, pair(n, seq), &m)
			}
			if n%5000 == 0 || n == uint64(tickets) {
				chunks <- chunk
				chunk = nil
			}
		}
	}()
	for chunk := range chunks {
		err := st.db.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bTickets, bMessages} {
				tx.Bucket(name).FillPercent = 1
			}
			for _, rec := range chunk {
				if err := tx.Bucket(rec.bucket).Put(rec.key, rec.val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err = st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMessages).SetSequence(3 * uint64(tickets)); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kNextTicket, u64(uint64(tickets)+1))
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.db.Sync(); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSearch measures Search at 100,000 tickets: the warm-up (and the
// index's memory), then each kind of query, reporting the 50th and 95th
// percentiles of benchBatch queries per iteration. Run it with
// -benchtime=1x for one pass.
func BenchmarkSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	path := filepath.Join(b.TempDir(), "db")
	start := time.Now()
	c := buildBenchStore(b, path, r, benchTickets)
	b.Logf("store of %d tickets written in %v", benchTickets, time.Since(start).Round(time.Millisecond))

	st, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	b.Run("warmup", func(b *testing.B) {
		for range b.N {
			st.index.data = nil
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			t0, cpu0 := time.Now(), processCPU()
			if err := st.WarmIndex(ctx); err != nil {
				b.Fatal(err)
			}
			d, cpu := time.Since(t0), processCPU()-cpu0
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(d.Milliseconds()), "warmup-ms")
			b.ReportMetric(float64(cpu.Milliseconds()), "warmup-cpu-ms")
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
			b.ReportMetric(float64(st.index.data.bytes())/(1<<20), "est-MB")
			b.ReportMetric(float64(len(st.index.data.words.terms)), "terms")
		}
	})

	// Words by how many texts they are in.
	byDocs := make([]int, len(c.words))
	for i := range byDocs {
		byDocs[i] = i
	}
	slices.SortFunc(byDocs, func(a, b int) int { return c.docs[b] - c.docs[a] })
	band := func(lo, hi int) []string {
		var out []string
		for _, w := range byDocs {
			if c.docs[w] >= lo && c.docs[w] <= hi {
				out = append(out, c.words[w])
			}
		}
		if len(out) == 0 {
			b.Fatalf("no word in %d texts or so", lo)
		}
		return out
	}
	common := band(20000, 1<<30)
	medium := band(500, 5000)
	rare := band(1, 50)
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	b.Logf("%d common words (%s in %d texts), %d medium, %d rare", len(common), common[0], c.docs[byDocs[0]], len(medium), len(rare))

	var keys []string
	_ = st.View(ctx, func(v View) error {
		for n := 1; n <= benchTickets; n += 97 {
			keys = append(keys, FormatKey("SUP", uint64(n)))
		}
		return nil
	})
	kinds := []struct {
		name  string
		query func() Query
		write bool // a reply is stored before each query (not timed)
	}{
		{"queue", func() Query { return Query{} }, false},
		{"queue-status", func() Query { return Query{Filter: Filter{Status: StatusOpen}} }, false},
		{"queue-deep", func() Query { return Query{Offset: 5000 + 50*r.IntN(1000)} }, false},
		{"queue-assignee", func() Query {
			return Query{Filter: Filter{Status: StatusOpen, Assignee: fmt.Sprintf("analista%d", r.IntN(20))}}
		}, false},
		{"me", func() Query { return Query{Filter: Filter{Requester: pick(c.reqs)}} }, false},
		{"text-common", func() Query { return Query{Text: pick(common)} }, false},
		{"text-rare", func() Query { return Query{Text: pick(rare)} }, false},
		{"text-number", func() Query { return Query{Text: pick(c.orders)} }, false},
		{"text-two", func() Query { return Query{Text: pick(medium) + " " + pick(medium)} }, false},
		{"text-prefix", func() Query { w := pick(medium); return Query{Text: w[:min(len(w), 4)]} }, false},
		{"text-status", func() Query {
			return Query{Filter: Filter{Status: StatusOpen}, Text: pick(common) + " " + pick(medium)}
		}, false},
		{"me-text", func() Query { return Query{Filter: Filter{Requester: pick(c.reqs)}, Text: pick(medium)} }, false},
		{"after-reply", func() Query { return Query{} }, true},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			var times []time.Duration
			total := 0
			for range b.N {
				for range benchBatch {
					if k.write {
						err := st.Update(ctx, func(tx Tx) error {
							_, err := tx.AppendMessage(keys[r.IntN(len(keys))], &Message{Direction: DirIn, From: "x@y", Text: c.text(r, 1000)})
							return err
						})
						if err != nil {
							b.Fatal(err)
						}
					}
					q := k.query()
					t0 := time.Now()
					p, err := st.Search(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(t0))
					total += p.Total
				}
			}
			slices.Sort(times)
			ms := func(p float64) float64 { return float64(times[int(p*float64(len(times)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.95), "p95-ms")
			b.ReportMetric(float64(total)/float64(len(times)), "matches")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(times)), "ns/op")
		})
	}
}
