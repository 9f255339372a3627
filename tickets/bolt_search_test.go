package tickets

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// randText makes a string of pieces that exercise folding: cases, accents,
// joiners, the Kelvin sign, invalid UTF-8.
func randText(r *rand.Rand, pieces []string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func TestFoldTokensAgreesWithSearchWords(t *testing.T) {
	pieces := []string{"a", "Z", "q", "7", " ", ".", "@", "-", "_", ",", "!", "\n", "á", "Ã", "Ç", "ß", "Æ", "\u212a", "İ", "ſ",
		"\xff", "\xe2\x82", "€", "日本", "😀", "Ω", "ﬁ", "\u00a0", "\u0301"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		s := randText(r, pieces, r.IntN(12))
		var got []string
		foldTokens(s, nil, func(w []byte) { got = append(got, string(w)) })
		if want := searchWords(s); !slices.Equal(got, want) {
			t.Fatalf("foldTokens(%q) = %q, searchWords = %q", s, got, want)
		}
	}
}

func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	pieces := []string{"a", "A", "k", "K", "\u212a", "s", "S", "ſ", "é", "É", "ß", "ẞ", "@", "\xff", "\xfe", "\ufffd", "Σ", "σ", "ς"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		n := r.IntN(4)
		a, b := randText(r, pieces, n), randText(r, pieces, n)
		if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
			t.Fatalf("foldKey(%q)==foldKey(%q) is %v, EqualFold %v", a, b, got, want)
		}
	}
}

func TestTerms(t *testing.T) {
	var got []string
	textTerms("Falar com Maria@Cliente.com.br sobre SUP-1042, fim. ...", nil, func(w []byte) { got = append(got, string(w)) })
	want := []string{"falar", "com", "maria@cliente.com.br", "cliente.com.br", "com.br", "br", "sobre", "sup-1042", "1042", "fim"}
	if !slices.Equal(got, want) {
		t.Errorf("terms %q, want %q", got, want)
	}
	if got := queryTerms("  Atualização ERRO erro. ... " + strings.Repeat("x", 60)); !slices.Equal(got, []string{"atualizacao", "erro", strings.Repeat("x", maxTermLen)}) {
		t.Errorf("query terms %q", got)
	}
}

// searchClock is a settable clock for Options.Now.
type searchClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *searchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// tick moves the clock on by 0 or 1 second: updates at the same instant
// test the tie order.
func (c *searchClock) tick(r *rand.Rand) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Duration(r.IntN(2)) * time.Second)
}

var (
	searchPieces = []string{"Atualização ", "atualizacao ", "ATUALIZAR ", "erro ", "Erro. ", "boleto ", "nota fiscal ", "maria@cliente.com.br ",
		"SUP-1042 ", "impressora ", "não ", "nao ", "café ", "Çedilha ", "senha, ", "login! ", "pagamento ", "\u212aelvin ", "açúcar ", "x ", "1.234,56 "}
	searchQueries = []string{"", "", "atualiz", "Atualização", "ATUALIZACAO", "erro", "erro.", "err boleto", "nota fisc", "maria@cliente", "cliente",
		"1042", "sup-10", "nao", "não", "cafe", "çedilha", "kelvin", "acucar", "x", "1.234", "234", "zzz", "...", "impressora senha", "a", "pag log"}
	searchDepts      = []string{"Suporte", "suporte", "SUPORTE", "Técnico", "TÉCNICO", "Financeiro"}
	searchAssignees  = []string{"", "carla", "Carla", "joão", "JOÃO"}
	searchRequesters = []string{"ana@x.com", "bia@y.com", "carlos@z.com", "dora@w.com"}
)

// randomChange makes one random change to the store inside tx.
func randomChange(r *rand.Rand, tx Tx, keys *[]string) error {
	text := func() string { return randText(r, searchPieces, 1+r.IntN(5)) }
	if len(*keys) == 0 || r.IntN(5) == 0 {
		req := searchRequesters[r.IntN(len(searchRequesters))]
		tk := Ticket{Subject: text(), Type: Types()[r.IntN(3)], Department: searchDepts[r.IntN(len(searchDepts))], Requester: req}
		if err := tx.CreateTicket(&tk, &Message{Direction: DirIn, From: req, Text: text()}); err != nil {
			return err
		}
		*keys = append(*keys, tk.Key)
		return nil
	}
	key := (*keys)[r.IntN(len(*keys))]
	var err error
	switch r.IntN(7) {
	case 0:
		_, err = tx.AppendMessage(key, &Message{Direction: DirIn, From: "ana@x.com", Text: text()})
	case 1:
		_, err = tx.Reply(key, "carla", text(), nil)
	case 2:
		_, err = tx.Note(key, "carla", text())
	case 3:
		_, err = tx.SetStatus(key, "carla", Statuses()[r.IntN(5)])
	case 4:
		_, err = tx.SetAssignee(key, "chefe", searchAssignees[r.IntN(len(searchAssignees))])
	case 5:
		_, err = tx.SetDepartment(key, "chefe", searchDepts[r.IntN(len(searchDepts))])
	case 6:
		_, err = tx.SetType(key, "chefe", Types()[r.IntN(3)])
	}
	return err
}

func randomQuery(r *rand.Rand) Query {
	var q Query
	pick := func(list []string) string {
		if r.IntN(3) == 0 {
			return list[r.IntN(len(list))]
		}
		return ""
	}
	q.Text = searchQueries[r.IntN(len(searchQueries))]
	if r.IntN(3) == 0 {
		q.Text += " " + searchQueries[r.IntN(len(searchQueries))]
	}
	q.Department = pick(searchDepts)
	q.Assignee = pick(searchAssignees)
	q.Requester = strings.ToUpper(pick(searchRequesters))
	if r.IntN(3) == 0 {
		q.Type = Types()[r.IntN(3)]
	}
	if r.IntN(2) == 0 {
		q.Status = append(Statuses(), "bogus")[r.IntN(6)]
	}
	q.Limit = []int{0, 1, 3, 10}[r.IntN(4)]
	q.Offset = []int{-1, 0, 0, 2, 5, 20}[r.IntN(6)]
	return q
}

// checkSearch compares Search with the reference scan.
func checkSearch(t *testing.T, st *BoltStore, q Query) {
	t.Helper()
	ctx := context.Background()
	got, err := st.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := searchScan(ctx, st, q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("query %+v:\n got %d %v %v\nwant %d %v %v", q, got.Total, got.Counts, keysOf(got.Tickets), want.Total, want.Counts, keysOf(want.Tickets))
	}
}

func keysOf(list []Ticket) []string {
	var out []string
	for _, tk := range list {
		out = append(out, tk.Key)
	}
	return out
}

func TestSearchAgreesWithScan(t *testing.T) {
	clock := &searchClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Prefix: "SUP", FirstNumber: 1000, Now: clock.Now})
	r := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	var keys []string
	update := func(n int) {
		t.Helper()
		for range n {
			clock.tick(r)
			if err := updateRandomly(ctx, st, r, &keys); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkSearch(t, st, Query{}) // built on an empty store
	// Many new tickets in one catch-up.
	err := st.Update(ctx, func(tx Tx) error {
		keys = keys[:0]
		for range 300 {
			if err := randomChange(r, tx, &keys); err != nil {
				return err
			}
			clock.tick(r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		checkSearch(t, st, randomQuery(r))
	}
	for round := range 60 {
		update(1 + r.IntN(8))
		if round%20 == 0 {
			// Many changes at once, each in its own commit.
			update(50)
		}
		for range 5 {
			checkSearch(t, st, randomQuery(r))
		}
	}
	// Every status tab and the plain queue, deep pages included.
	for _, s := range append(Statuses(), "") {
		for _, off := range []int{0, 50, 500} {
			checkSearch(t, st, Query{Filter: Filter{Status: s}, Offset: off, Limit: 50})
		}
	}
}

// TestRequesterFoldsASCIIOnly: a customer whose address differs from
// another's only by a character that Unicode folding maps to ASCII (ſ to
// s) is another customer; the requester filter behind /me and the queue
// must not list one's tickets for the other.
func TestRequesterFoldsASCIIOnly(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	err := st.Update(ctx, func(tx Tx) error {
		for _, req := range []string{"sam@example.com", "ſam@example.com"} {
			tk := Ticket{Subject: "Pedido de " + req, Type: TypeSupport, Department: "Suporte", Requester: req}
			if err := tx.CreateTicket(&tk, &Message{Direction: DirIn, From: req, Text: "oi"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ filter, want string }{
		{"sam@example.com", "sam@example.com"},
		{"SAM@Example.COM", "sam@example.com"},
		{"ſam@example.com", "ſam@example.com"},
	} {
		p, err := st.Search(ctx, Query{Filter: Filter{Requester: tc.filter}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 1 || len(p.Tickets) != 1 || p.Tickets[0].Requester != tc.want {
			t.Errorf("requester %q: got %d tickets %+v, want only %s's", tc.filter, p.Total, p.Tickets, tc.want)
		}
	}
	if !SameEmail("Sam@Example.com", "sam@example.com") || SameEmail("ſam@example.com", "sam@example.com") {
		t.Error("SameEmail folds beyond ASCII")
	}
}

func TestSearchWords(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	var key string
	err := st.Update(ctx, func(tx Tx) error {
		tk := Ticket{Subject: "Atualização do cadastro", Type: TypeSupport, Department: "Suporte", Requester: "ana@x.com"}
		if err := tx.CreateTicket(&tk, &Message{Direction: DirIn, From: "ana@x.com", Text: "Não consigo emitir o boleto."}); err != nil {
			return err
		}
		key = tk.Key
		_, err := tx.Note(key, "carla", "cliente inadimplente")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]int{"atualiz": 1, "ATUALIZACAO cadastro": 1, "nao boleto": 1, "emitir.": 1, "inadimplente": 0, "ualiz": 0, "boletos": 0} {
		p, err := st.Search(ctx, Query{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want || len(p.Tickets) != want {
			t.Errorf("search %q: %d tickets, want %d", text, p.Total, want)
		}
	}
	p, _ := st.Search(ctx, Query{Filter: Filter{Status: StatusClosed}, Text: "boleto"})
	if p.Total != 0 || !reflect.DeepEqual(p.Counts, map[Status]int{StatusOpen: 1}) {
		t.Errorf("closed: %+v", p)
	}
}

// TestSearchStoreWithoutChangeLog opens a store written before the change
// log existed: the first search scans it all, later changes are followed.
func TestSearchStoreWithoutChangeLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st := openTest(t, path, Options{})
	r := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()
	var keys []string
	for range 40 {
		if err := st.Update(ctx, func(tx Tx) error { return randomChange(r, tx, &keys) }); err != nil {
			t.Fatal(err)
		}
	}
	checkSearch(t, st, Query{Limit: 1000})
	err := st.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bChanges) })
	if err != nil {
		t.Fatal(err)
	}
	// The log starts again from 1, behind the index: it must notice.
	for range 3 {
		if err := st.Update(ctx, func(tx Tx) error { return randomChange(r, tx, &keys) }); err != nil {
			t.Fatal(err)
		}
	}
	checkSearch(t, st, Query{Limit: 1000})
	err = st.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bChanges) })
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openTest(t, path, Options{})
	if err := st.WarmIndex(ctx); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if err := st.Update(ctx, func(tx Tx) error { return randomChange(r, tx, &keys) }); err != nil {
			t.Fatal(err)
		}
		checkSearch(t, st, randomQuery(r))
	}
	checkSearch(t, st, Query{Limit: 1000})
}

// TestSearchSubjectChange covers a ticket rewritten with another subject:
// its old words must stop matching.
func TestSearchSubjectChange(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	tk := create(t, st, "ana@x.com")
	if p, _ := st.Search(ctx, Query{Text: "s"}); p.Total != 1 {
		t.Fatalf("before: %d", p.Total)
	}
	err := st.db.Update(func(btx *bolt.Tx) error {
		tx := &boltTx{tx: btx, opts: &st.opts}
		n, old, err := tx.ticketNum(tk.Key)
		if err != nil {
			return err
		}
		old.Subject = "impressora"
		return tx.changed(n, tx.put(bTickets, u64(n), old))
	})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]int{"s": 0, "impressora": 1, "t": 1} {
		checkSearch(t, st, Query{Text: text})
		if p, _ := st.Search(ctx, Query{Text: text}); p.Total != want {
			t.Errorf("%q: %d", text, p.Total)
		}
	}
}

// TestSearchConcurrent runs searches beside writers, for the race detector.
func TestSearchConcurrent(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 9))
			var keys []string
			for range 40 {
				if err := updateRandomly(ctx, st, r, &keys); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for s := range 3 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(s), 10))
			if s == 0 {
				if err := st.WarmIndex(ctx); err != nil {
					t.Error(err)
				}
			}
			for range 40 {
				if _, err := st.Search(ctx, randomQuery(r)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkSearch(t, st, Query{Limit: 1000})
	checkSearch(t, st, Query{Text: "erro"})
}

func TestSearchGivesUpWithItsContext(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	if err := st.index.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := st.Search(ctx, Query{})
	st.index.release()
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("search behind a held index: %v", err)
	}
	if _, err := st.Search(context.Background(), Query{}); err != nil {
		t.Fatal(err)
	}
}

// updateRandomly makes one random change in its own transaction; keys
// (the tickets made so far) is kept as it was when the change fails.
func updateRandomly(ctx context.Context, st Store, r *rand.Rand, keys *[]string) error {
	return st.Update(ctx, func(tx Tx) error {
		saved := slices.Clone(*keys)
		err := randomChange(r, tx, keys)
		if err != nil {
			*keys = saved
		}
		return err
	})
}

// TestWarmIndexPrunesChangeLog: the entries the index applied are dropped,
// the log's sequence keeps counting, and the changes made afterwards are
// still found, by this index and by one built anew after a restart.
func TestWarmIndexPrunesChangeLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st := openTest(t, path, Options{})
	ctx := context.Background()
	entries := func() (n int, end uint64) {
		t.Helper()
		if err := st.db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(bChanges); b != nil {
				n = b.Stats().KeyN
			}
			end = changesEnd(tx)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n, end
	}
	for range 30 {
		create(t, st, "ana@x.com")
	}
	if n, _ := entries(); n < 30 {
		t.Fatalf("%d change log entries before warming, want at least 30", n)
	}
	if err := st.WarmIndex(ctx); err != nil {
		t.Fatal(err)
	}
	n, end := entries()
	if n != 0 || end < 30 {
		t.Fatalf("after warming: %d entries, sequence %d; want none left and the sequence kept", n, end)
	}
	tk := create(t, st, "beto@x.com")
	if err := st.Update(ctx, func(tx Tx) error {
		_, err := tx.SetStatus(tk.Key, "carla", StatusResolved)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, _ := entries(); n == 0 {
		t.Fatal("the new changes were not logged")
	}
	checkSearch(t, st, Query{Filter: Filter{Status: StatusResolved}})
	if p, err := st.Search(ctx, Query{Filter: Filter{Requester: "beto@x.com", Status: StatusResolved}}); err != nil || p.Total != 1 {
		t.Fatalf("the change after pruning: %+v %v", p, err)
	}
	if err := st.WarmIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := entries(); n != 0 {
		t.Fatalf("%d entries left after the second warm-up", n)
	}
	st.Close()
	st = openTest(t, path, Options{})
	if p, err := st.Search(ctx, Query{}); err != nil || p.Total != 31 || p.Counts[StatusResolved] != 1 {
		t.Fatalf("after a restart: %+v %v", p, err)
	}
}
