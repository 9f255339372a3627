package tickets

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestCheckFindsBrokenInvariants: a sound store checks clean; each
// invariant broken underneath the store (as a bug or a bad restore would)
// is reported in words.
func TestCheckFindsBrokenInvariants(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, filepath.Join(t.TempDir(), "ticketgw.db"), Options{Prefix: "SUP", FirstNumber: 1000})
	var keys []string
	for i := range 3 {
		keys = append(keys, create(t, st, fmt.Sprintf("c%d@example.com", i)).Key)
	}
	if err := st.Update(ctx, func(tx Tx) error {
		return tx.Enqueue(&OutboxEntry{Kind: MailStatus, Ticket: keys[2], To: "c2@example.com", MessageID: "<s@x>"})
	}); err != nil {
		t.Fatal(err)
	}
	if problems, err := st.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("sound store: %v %q", err, problems)
	}
	// Break it under the store: ticket 1000 gone (its message, event and
	// Message-ID stay), a Message-ID naming no ticket, and ticket 1002's
	// pending entry dropped from the due index.
	err := st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bTickets).Delete(u64(1000)); err != nil {
			return err
		}
		if err := tx.Bucket(bMsgIDs).Put([]byte("<ghost@x>"), u64(4242)); err != nil {
			return err
		}
		c := tx.Bucket(bOutboxDue).Cursor()
		k, _ := c.First()
		return tx.Bucket(bOutboxDue).Delete(bytes.Clone(k))
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := st.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		"messages: a message of ticket 1000, which does not exist",
		"events: an event of ticket 1000, which does not exist",
		`msgids: "<ghost@x>" names ticket 4242, which does not exist`,
		"is not in the due index: it would never be sent",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("check did not report %q:\n%s", want, all)
		}
	}
}

// TestBackupWhileWriting: a backup taken while commits go on is a store of
// its own that opens, checks clean and holds every ticket committed before
// it began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTest(t, filepath.Join(dir, "ticketgw.db"), Options{Prefix: "SUP", FirstNumber: 1000})
	for i := range 50 {
		create(t, st, fmt.Sprintf("before%d@example.com", i))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				from := fmt.Sprintf("w%d-%d@example.com", w, i)
				tk := Ticket{Subject: "s", Type: TypeSupport, Department: "D", Requester: from}
				if err := st.Update(ctx, func(tx Tx) error {
					return tx.CreateTicket(&tk, &Message{Direction: DirIn, From: from, MessageID: "<" + from + ">", Text: "t"})
				}); err != nil {
					t.Error(err) // not Fatal: this is not the test's goroutine
					return
				}
			}
		})
	}
	copyPath := filepath.Join(dir, "backup.db")
	f, err := os.Create(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.Backup(ctx, f)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(copyPath); fi.Size() != n {
		t.Errorf("backup wrote %d bytes, the file has %d", n, fi.Size())
	}
	cp := openTest(t, copyPath, Options{ReadOnly: true, Verify: true})
	if problems, err := cp.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("backup: %v %q", err, problems)
	}
	var before int
	err = cp.View(ctx, func(v View) error {
		list, err := v.Tickets(Filter{})
		for _, tk := range list {
			if strings.HasPrefix(tk.Requester, "before") {
				before++
			}
		}
		return err
	})
	if err != nil || before != 50 {
		t.Errorf("backup holds %d of the 50 tickets made before it (%v)", before, err)
	}
}

// TestCompactTo: after large records are deleted, the compacted copy is
// smaller, checks clean, holds every ticket and numbers the next one where
// the store would have.
func TestCompactTo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTest(t, filepath.Join(dir, "ticketgw.db"), Options{Prefix: "SUP", FirstNumber: 1000})
	big := bytes.Repeat([]byte("x"), 256<<10)
	for i := range 40 {
		if err := st.Update(ctx, func(tx Tx) error {
			in := Inbound{Outcome: Held}
			return tx.RecordInbound(&in, append(big[:len(big):len(big)], byte(i)), fmt.Sprintf("k%d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		create(t, st, fmt.Sprintf("c%d@example.com", i))
	}
	// What an erase would leave: the raw mail gone, its pages free.
	if err := st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bRaw); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bRaw); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bDedupe); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bDedupe)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "compact.db")
	if err := st.CompactTo(ctx, out); err != nil {
		t.Fatal(err)
	}
	var before int64
	_ = st.db.View(func(tx *bolt.Tx) error { before = tx.Size(); return nil })
	cp := openTest(t, out, Options{Prefix: "SUP", MustExist: true, Verify: true})
	var after int64
	_ = cp.db.View(func(tx *bolt.Tx) error { after = tx.Size(); return nil })
	if after*2 > before {
		t.Errorf("compacted to %d bytes of pages from %d: nothing given back", after, before)
	}
	if problems, err := cp.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("compacted copy: %v %q", err, problems)
	}
	if got := create(t, cp, "next@example.com").Key; got != "SUP-1005" {
		t.Errorf("next ticket in the copy is %s, want SUP-1005", got)
	}
}
