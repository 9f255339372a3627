package tickets

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// TestLargeValuesChunked: raw mail and attachments larger than a chunk are
// stored in chunks and read back byte-identical, next to values of other
// sizes (the chunk boundary, empty, small), and values stored whole by
// earlier versions are still read.
func TestLargeValuesChunked(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	raws := [][]byte{blob(3*chunkSize + 17), blob(chunkSize), blob(10), blob(chunkSize + 1)}
	atts := []Attachment{{Filename: "a.pdf", Data: blob(2*chunkSize + 5)}, {Filename: "b.pdf", Data: blob(100)}}
	var ids []uint64
	var key string
	err := st.Update(context.Background(), func(tx Tx) error {
		for _, raw := range raws {
			in := &Inbound{Outcome: Ignored}
			if err := tx.RecordInbound(in, raw, ""); err != nil {
				return err
			}
			ids = append(ids, in.ID)
		}
		tk := &Ticket{Subject: "x", Requester: "c@example.com"}
		if err := tx.CreateTicket(tk, &Message{Direction: DirIn, From: "c@example.com", Attachments: atts}); err != nil {
			return err
		}
		key = tk.Key
		// A raw message stored whole, as before chunking.
		bt := tx.(*boltTx)
		return bt.tx.Bucket(bRaw).Put(u64(999), raws[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(context.Background(), func(v View) error {
		for i, id := range ids {
			got, err := v.Raw(id)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, raws[i]) {
				t.Errorf("raw %d: %d bytes back, want %d identical", i, len(got), len(raws[i]))
			}
		}
		bt := v.(*boltTx)
		if got := bt.getRaw(999); !bytes.Equal(got, raws[0]) {
			t.Errorf("raw stored whole: %d bytes back", len(got))
		}
		if bt.tx.Bucket(bRaw).Get(u64(ids[0])) != nil {
			t.Error("a raw message over a chunk was stored whole")
		}
		d, err := v.Detail(key)
		if err != nil {
			return err
		}
		for i, a := range d.Messages[0].Attachments {
			got, err := v.AttachmentData(a.ID)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, atts[i].Data) {
				t.Errorf("attachment %s: %d bytes back, want %d identical", a.ID, len(got), len(atts[i].Data))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
