package tickets

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// buildChunk is how many tickets the first build reads per read
// transaction: a long one would keep a growing database from remapping,
// stalling ingest for the whole build.
const buildChunk = 2000

// searchIndex answers Store.Search from memory: one compact row per ticket
// and an inverted index of the words of subjects and messages. Writers never
// touch it (ingest must stay fast); they append to the change log, and the
// index catches up from the log when it is used, in the read transaction
// that answers the search, so that the answer is one consistent snapshot.
type searchIndex struct {
	once sync.Once
	// sem holds one token while the index is in use: a lock that a search
	// waiting behind a long build can give up on when its context ends.
	sem  chan struct{}
	data *indexData // nil until built, and again after a failed update
}

func (x *searchIndex) acquire(ctx context.Context) error {
	x.once.Do(func() { x.sem = make(chan struct{}, 1) })
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case x.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (x *searchIndex) release() { <-x.sem }

// use runs fn on the index brought up to date in one read transaction:
// built first if needed, then caught up with the change log. Called with
// the index acquired.
func (x *searchIndex) use(ctx context.Context, db *bolt.DB, fn func(*indexData, *bolt.Tx) error) error {
	for {
		if x.data == nil {
			d, err := buildIndex(ctx, db)
			if err != nil {
				return err
			}
			x.data = d
		}
		stale := false
		err := db.View(func(tx *bolt.Tx) error {
			if changesEnd(tx) < x.data.seq {
				// The log went back (its bucket was dropped): it no
				// longer says what changed since the index was made.
				stale = true
				return nil
			}
			if err := x.data.catchUp(tx); err != nil {
				x.data = nil // half applied: build again next time
				return err
			}
			return fn(x.data, tx)
		})
		if !stale {
			return err
		}
		x.data = nil
	}
}

// indexData is the index proper.
type indexData struct {
	seq   uint64 // the last change log entry applied
	seed  maphash.Seed
	rows  []indexRow
	byNum map[uint64]uint32 // ticket number → its live row
	// order holds the live rows, newest update first (ties: lower ticket
	// number first, as the reference scan sorts).
	order                                         []orderEntry
	statuses, types, depts, assignees, requesters dict
	words                                         vocab
	// list gathers terms on their way to words; handOff passes them on
	// (at once, or to the other goroutine of the build).
	list    *termList
	handOff func()
	moved   []uint32 // rows to put (back) in the order
	buf     []byte
}

// indexRow is what the filters and the order need of a ticket; the page's
// tickets themselves are read from the store.
type indexRow struct {
	num     uint64
	lastMsg uint64 // sequence of the last message indexed
	subject uint64 // hash of the subject the postings hold
	sec     int64  // updated_at
	nsec    int32
	// Interned values; department and assignee by foldKey, requester by NormalizeEmail.
	status, typ, dept, assignee, requester uint32
	dead                                   bool // superseded: the ticket has a new row
	moved                                  bool // in indexData.moved
}

// before tells whether r comes before o in the queue.
func (r *indexRow) before(o *indexRow) bool {
	if r.sec != o.sec {
		return r.sec > o.sec
	}
	if r.nsec != o.nsec {
		return r.nsec > o.nsec
	}
	return r.num < o.num
}

// orderEntry is a row in the order, with a copy of what the filters test:
// a query reads the order from start to end, and reading the rows instead
// would jump around memory.
type orderEntry struct {
	row                                    uint32
	status, typ, dept, assignee, requester uint32
}

func (d *indexData) entry(ri uint32) orderEntry {
	r := &d.rows[ri]
	return orderEntry{row: ri, status: r.status, typ: r.typ, dept: r.dept, assignee: r.assignee, requester: r.requester}
}

// ticketFields are the fields of a stored ticket the index reads.
type ticketFields struct {
	Subject    string    `json:"subject"`
	Status     Status    `json:"status"`
	Type       Type      `json:"type"`
	Department string    `json:"department"`
	Requester  string    `json:"requester"`
	Assignee   string    `json:"assignee"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// messageFields are the fields of a stored message the index reads.
type messageFields struct {
	Direction Direction `json:"direction"`
	Text      string    `json:"text"`
}

// buildIndex makes the index from every ticket and message.
func buildIndex(ctx context.Context, db *bolt.DB) (*indexData, error) {
	d := newIndexData()
	// Two stages, for the two cores: this goroutine reads, decodes and
	// folds into lists of terms; another adds them to the vocabulary,
	// which it alone touches until the end.
	full, free := make(chan *termList, 1), make(chan *termList, 3) // three lists in all
	free <- &termList{}
	free <- &termList{}
	added := make(chan struct{})
	go func() {
		defer close(added)
		for l := range full {
			d.words.addList(l)
			free <- l
		}
		d.words.flush()
	}()
	d.handOff = func() {
		full <- d.list
		d.list = <-free
	}
	// A corrupt page panics in bbolt: an error here, so that the adding
	// goroutine is still told to finish.
	err := func() (err error) {
		defer recovered(&err)
		return d.scan(ctx, db)
	}()
	full <- d.list
	close(full)
	<-added
	d.list, d.handOff = <-free, d.addNow
	if err != nil {
		return nil, fmt.Errorf("build search index: %w", err)
	}
	d.reorder()
	d.words.merge()
	d.words.compact()
	return d, nil
}

func newIndexData() *indexData {
	seed := maphash.MakeSeed()
	d := &indexData{seed: seed, byNum: map[uint64]uint32{}, words: newVocab(), list: &termList{}}
	d.handOff = d.addNow
	return d
}

// addNow adds the list to the vocabulary.
func (d *indexData) addNow() {
	d.words.addList(d.list)
	d.words.flush()
}

// addTerm indexes a term of row ri.
func (d *indexData) addTerm(t []byte, ri uint32) {
	d.list.add(t, ri)
	if d.list.full() {
		d.handOff()
	}
}

// scan reads every ticket and message, in chunks of read transactions. A
// ticket changed meanwhile has a change log entry after the sequence read
// at the start, so the first catch-up reads it again. A store written
// before the change log existed has no entries and needs nothing more.
func (d *indexData) scan(ctx context.Context, db *bolt.DB) error {
	var next uint64
	for first, done := true, false; !done; first = false {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := db.View(func(tx *bolt.Tx) error {
			if first {
				d.seq = changesEnd(tx)
			}
			c := tx.Bucket(bTickets).Cursor()
			k, _ := c.Seek(u64(next))
			for i := 0; k != nil; k, _ = c.Next() {
				if len(k) != 8 {
					continue
				}
				n := binary.BigEndian.Uint64(k)
				if i == buildChunk {
					next = n
					return nil
				}
				if err := d.apply(tx, n); err != nil {
					return err
				}
				i++
			}
			done = true
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// catchUp applies the change log entries after d.seq.
func (d *indexData) catchUp(tx *bolt.Tx) error {
	var nums []uint64
	end := changesSince(tx, d.seq, func(n uint64) { nums = append(nums, n) })
	slices.Sort(nums)
	nums = slices.Compact(nums)
	for _, n := range nums {
		if err := d.apply(tx, n); err != nil {
			return fmt.Errorf("update search index: %w", err)
		}
	}
	d.reorder()
	d.handOff()
	d.seq = end
	return nil
}

// apply reads ticket n again, with its messages not indexed yet; reorder
// then puts it in its place in the order.
func (d *indexData) apply(tx *bolt.Tx, n uint64) error {
	ri, ok := d.byNum[n]
	data := tx.Bucket(bTickets).Get(u64(n))
	if data == nil {
		if ok {
			d.retire(ri)
			delete(d.byNum, n)
		}
		return nil
	}
	var f ticketFields
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("decode ticket %d: %w", n, err)
	}
	subject := maphash.String(d.seed, f.Subject)
	if ok && d.rows[ri].subject != subject {
		// Postings cannot be taken back: a new subject gets a new row,
		// and the messages are indexed again under it.
		d.retire(ri)
		ok = false
	}
	if !ok {
		ri = uint32(len(d.rows))
		d.rows = append(d.rows, indexRow{num: n, subject: subject})
		d.byNum[n] = ri
		d.buf = textTerms(f.Subject, d.buf, func(t []byte) { d.addTerm(t, ri) })
	}
	r := &d.rows[ri]
	r.sec, r.nsec = f.UpdatedAt.Unix(), int32(f.UpdatedAt.Nanosecond())
	r.status = d.statuses.id(string(f.Status))
	r.typ = d.types.id(string(f.Type))
	r.dept = d.depts.id(foldKey(f.Department))
	r.assignee = d.assignees.id(foldKey(f.Assignee))
	r.requester = d.requesters.id(NormalizeEmail(f.Requester))
	d.move(ri)
	return d.indexMessages(tx, ri)
}

// move has reorder put row ri in its place.
func (d *indexData) move(ri uint32) {
	if r := &d.rows[ri]; !r.moved {
		r.moved = true
		d.moved = append(d.moved, ri)
	}
}

// retire takes row ri out of the order for good; its postings stay, and
// no longer match.
func (d *indexData) retire(ri uint32) {
	d.rows[ri].dead = true
	d.move(ri)
}

// indexMessages posts the words of the row's messages after the last one
// indexed.
func (d *indexData) indexMessages(tx *bolt.Tx, ri uint32) error {
	r := &d.rows[ri]
	add := func(t []byte) { d.addTerm(t, ri) }
	prefix := u64(r.num)
	c := tx.Bucket(bMessages).Cursor()
	for k, v := c.Seek(pair(r.num, r.lastMsg+1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != 16 {
			continue
		}
		var m messageFields
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode message of ticket %d: %w", r.num, err)
		}
		if searchable(m.Direction) {
			d.buf = textTerms(m.Text, d.buf, add)
		}
		r.lastMsg = binary.BigEndian.Uint64(k[8:])
	}
	return nil
}

// reorder puts the moved rows in their place in the order, and drops the
// retired ones: one pass over the order, whatever the number of changes.
func (d *indexData) reorder() {
	if len(d.moved) == 0 {
		return
	}
	// The rows to take out, in a bitset: the order is read from start to
	// end, the rows would be read all over the place.
	out := newBitset(len(d.rows))
	moved := make([]orderEntry, 0, len(d.moved))
	for _, ri := range d.moved {
		out.set(ri)
		d.rows[ri].moved = false
		if !d.rows[ri].dead {
			moved = append(moved, d.entry(ri))
		}
	}
	d.moved = d.moved[:0]
	d.order = slices.DeleteFunc(d.order, func(e orderEntry) bool { return out.has(e.row) })
	slices.SortFunc(moved, func(a, b orderEntry) int {
		if a.row == b.row {
			return 0
		}
		if d.rows[a.row].before(&d.rows[b.row]) {
			return -1
		}
		return 1
	})
	// Where each goes among the others, then a merge from the end, in
	// place: block moves, not a comparison per entry (each would read a
	// row somewhere in memory).
	pos := make([]int, len(moved))
	for j := range moved {
		r := &d.rows[moved[j].row]
		pos[j] = sort.Search(len(d.order), func(i int) bool { return !d.rows[d.order[i].row].before(r) })
	}
	hi := len(d.order)
	d.order = slices.Grow(d.order, len(moved))[:len(d.order)+len(moved)]
	for j := len(moved) - 1; j >= 0; j-- {
		copy(d.order[pos[j]+j+1:], d.order[pos[j]:hi])
		d.order[pos[j]+j] = moved[j]
		hi = pos[j]
	}
}

// bytes estimates the memory the index holds.
func (d *indexData) bytes() int {
	n := cap(d.rows)*64 + len(d.byNum)*24 + cap(d.order)*24 + cap(d.moved)*4 + cap(d.buf) + d.words.bytes() + cap(d.list.arena) + cap(d.list.terms)*8
	for _, t := range []*dict{&d.statuses, &d.types, &d.depts, &d.assignees, &d.requesters} {
		n += len(t.vals) * 48
		for _, s := range t.vals {
			n += len(s)
		}
	}
	return n
}

// dict interns the values of one field, so that a row holds a number.
type dict struct {
	ids  map[string]uint32
	vals []string
}

func (t *dict) id(s string) uint32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	if t.ids == nil {
		t.ids = map[string]uint32{}
	}
	id := uint32(len(t.vals))
	t.ids[s] = id
	t.vals = append(t.vals, s)
	return id
}
