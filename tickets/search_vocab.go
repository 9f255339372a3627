package tickets

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strings"
)

// freshMax is how many new terms wait, scanned one by one, before they are
// merged into the sorted vocabulary: a merge costs a pass over it, which a
// search after every few replies should not pay each time.
const freshMax = 4096

// vocab is the inverted index of the search terms: every term with the rows
// (tickets) it appears in, and the terms sorted so that the terms starting
// with a query word are one binary search away.
type vocab struct {
	// slots find a term's id: open addressing on a seeded hash, each slot
	// the hash's top 32 bits and the id + 1 (0: empty), at most half full.
	// Smaller and, for the index's millions of lookups, faster than a map.
	slots  []uint64
	seed   maphash.Seed
	terms  []vocabTerm
	sorted []uint32 // term ids in term order
	fresh  []uint32 // term ids added since sorted was made
	batch  *termBatch
}

// vocabTerm is one term and its postings: the rows it appears in, as
// zig-zag varints of the difference from the previous row (rows mostly come
// in increasing order, so most take one or two bytes). A row may appear
// twice, when a later message repeats a word: matching sets bits, so a
// repeat only costs its bytes.
type vocabTerm struct {
	text string
	post []byte
	last uint32 // the row posted last
}

func newVocab() vocab {
	seed := maphash.MakeSeed()
	return vocab{slots: make([]uint64, 1024), seed: seed, batch: newTermBatch(seed)}
}

// add posts row under term; flush ends what add began.
func (v *vocab) add(term []byte, row uint32) {
	if !v.batch.add(term, row) {
		v.flush()
		v.batch.add(term, row)
	}
}

// addList adds the terms of a list, and empties it.
func (v *vocab) addList(l *termList) {
	start := uint32(0)
	for _, t := range l.terms {
		v.add(l.arena[start:t.end], t.row)
		start = t.end
	}
	l.reset()
}

// flush posts what the batch holds.
func (v *vocab) flush() {
	b := v.batch
	for i := range b.terms {
		bt := &b.terms[i]
		t := v.term(bt.hash, b.arena[bt.off:bt.off+bt.n])
		for h := bt.first; h >= 0; h = b.hits[h].next {
			row := b.hits[h].row
			if len(t.post) > 0 && t.last == row {
				continue
			}
			t.post = binary.AppendVarint(t.post, int64(row)-int64(t.last))
			t.last = row
		}
	}
	b.reset()
}

// term finds (or adds) the term of this text and hash.
func (v *vocab) term(h uint64, text []byte) *vocabTerm {
	mask := uint64(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := v.slots[i]
		if s == 0 {
			if 2*(len(v.terms)+1) > len(v.slots) {
				v.grow()
				return v.term(h, text)
			}
			id := uint32(len(v.terms))
			v.slots[i] = h>>32<<32 | uint64(id+1)
			v.terms = append(v.terms, vocabTerm{text: string(text)})
			v.fresh = append(v.fresh, id)
			return &v.terms[id]
		}
		if s>>32 == h>>32 {
			if t := &v.terms[uint32(s)-1]; t.text == string(text) {
				return t
			}
		}
	}
}

// grow doubles the slots.
func (v *vocab) grow() {
	v.slots = make([]uint64, 2*len(v.slots))
	mask := uint64(len(v.slots) - 1)
	for id := range v.terms {
		h := maphash.String(v.seed, v.terms[id].text)
		i := h & mask
		for v.slots[i] != 0 {
			i = (i + 1) & mask
		}
		v.slots[i] = h>>32<<32 | uint64(id+1)
	}
}

// batchSlots is the size of a batch's table: small enough for the
// processor's cache, which the vocabulary is not.
const batchSlots = 1 << 14

// termBatch collects the postings of a few rows before they go to the
// vocabulary, so that the vocabulary is looked up once per distinct term
// of the batch (a fifth of the words of a hundred tickets) instead of once
// per word.
type termBatch struct {
	seed  maphash.Seed // the vocabulary's
	slots []uint64     // as vocab.slots, on terms
	terms []batchTerm
	hits  []batchHit
	arena []byte // the terms' text
}

type batchTerm struct {
	hash        uint64
	off, n      uint32 // text in arena
	first, last int32  // chain of hits, in the order added
}

type batchHit struct {
	row  uint32
	next int32
}

func newTermBatch(seed maphash.Seed) *termBatch {
	return &termBatch{seed: seed, slots: make([]uint64, batchSlots)}
}

// add records row under the term, unless the batch is full.
func (b *termBatch) add(term []byte, row uint32) bool {
	h := maphash.Bytes(b.seed, term)
	mask := uint64(len(b.slots) - 1)
	i := h & mask
	for ; b.slots[i] != 0; i = (i + 1) & mask {
		s := b.slots[i]
		if s>>32 != h>>32 {
			continue
		}
		t := &b.terms[uint32(s)-1]
		if string(b.arena[t.off:t.off+t.n]) != string(term) {
			continue
		}
		if b.hits[t.last].row != row {
			if len(b.hits) >= 4*batchSlots {
				return false
			}
			b.hits = append(b.hits, batchHit{row: row, next: -1})
			b.hits[t.last].next = int32(len(b.hits) - 1)
			t.last = int32(len(b.hits) - 1)
		}
		return true
	}
	if 2*(len(b.terms)+1) > len(b.slots) || len(b.hits) >= 4*batchSlots {
		return false
	}
	b.slots[i] = h>>32<<32 | uint64(len(b.terms)+1)
	b.hits = append(b.hits, batchHit{row: row, next: -1})
	hit := int32(len(b.hits) - 1)
	b.terms = append(b.terms, batchTerm{hash: h, off: uint32(len(b.arena)), n: uint32(len(term)), first: hit, last: hit})
	b.arena = append(b.arena, term...)
	return true
}

// bytes estimates the memory the batch holds.
func (b *termBatch) bytes() int {
	return cap(b.slots)*8 + cap(b.terms)*32 + cap(b.hits)*8 + cap(b.arena)
}

func (b *termBatch) reset() {
	if len(b.terms) > 0 {
		clear(b.slots)
	}
	b.terms, b.hits, b.arena = b.terms[:0], b.hits[:0], b.arena[:0]
}

// termList holds terms of rows as they are read, on their way to a
// vocabulary: the first build reads and folds on one core while the other
// adds to the vocabulary.
type termList struct {
	arena []byte
	terms []listTerm
}

type listTerm struct {
	end uint32 // of its text in arena
	row uint32
}

// listMax is the text a list holds before it is handed on.
const listMax = 1 << 18

func (l *termList) add(term []byte, row uint32) {
	l.arena = append(l.arena, term...)
	l.terms = append(l.terms, listTerm{end: uint32(len(l.arena)), row: row})
}

func (l *termList) full() bool { return len(l.arena) >= listMax }

func (l *termList) reset() { l.arena, l.terms = l.arena[:0], l.terms[:0] }

// match sets in bits the rows of every term starting with prefix.
func (v *vocab) match(prefix string, bits bitset) {
	if len(v.fresh) > freshMax {
		v.merge()
	}
	lo, _ := slices.BinarySearchFunc(v.sorted, prefix, func(id uint32, p string) int {
		return strings.Compare(v.terms[id].text, p)
	})
	for _, id := range v.sorted[lo:] {
		if !strings.HasPrefix(v.terms[id].text, prefix) {
			break
		}
		v.terms[id].rows(bits)
	}
	for _, id := range v.fresh {
		if strings.HasPrefix(v.terms[id].text, prefix) {
			v.terms[id].rows(bits)
		}
	}
}

// rows sets the bits of the term's rows.
func (t *vocabTerm) rows(bits bitset) {
	var row int64
	for p := t.post; len(p) > 0; {
		d, n := binary.Varint(p)
		p = p[n:]
		row += d
		bits.set(uint32(row))
	}
}

// merge sorts the fresh terms into the sorted ones.
func (v *vocab) merge() {
	if len(v.fresh) == 0 {
		return
	}
	byText := func(a, b uint32) int { return strings.Compare(v.terms[a].text, v.terms[b].text) }
	slices.SortFunc(v.fresh, byText)
	merged := make([]uint32, 0, len(v.sorted)+len(v.fresh))
	a, b := v.sorted, v.fresh
	for len(a) > 0 && len(b) > 0 {
		if byText(a[0], b[0]) <= 0 {
			merged, a = append(merged, a[0]), a[1:]
		} else {
			merged, b = append(merged, b[0]), b[1:]
		}
	}
	v.sorted = append(append(merged, a...), b...)
	v.fresh = v.fresh[:0]
}

// compact moves every posting list into one allocation of the exact size,
// dropping what append over-allocated while building. A list that grows
// later moves out on its own.
func (v *vocab) compact() {
	total := 0
	for i := range v.terms {
		total += len(v.terms[i].post)
	}
	arena := make([]byte, 0, total)
	for i := range v.terms {
		t := &v.terms[i]
		start := len(arena)
		arena = append(arena, t.post...)
		t.post = arena[start:len(arena):len(arena)]
	}
}

// bytes estimates the memory the vocabulary holds.
func (v *vocab) bytes() int {
	n := cap(v.slots)*8 + cap(v.terms)*48 + (cap(v.sorted)+cap(v.fresh))*4 + v.batch.bytes()
	for i := range v.terms {
		n += len(v.terms[i].text) + cap(v.terms[i].post)
	}
	return n
}

// bitset is a set of rows.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i uint32) { b[i/64] |= 1 << (i % 64) }

func (b bitset) has(i uint32) bool { return b[i/64]&(1<<(i%64)) != 0 }

// and keeps in b the rows also in c, and tells whether any is left.
func (b bitset) and(c bitset) bool {
	var left uint64
	for i := range b {
		b[i] &= c[i]
		left |= b[i]
	}
	return left != 0
}
