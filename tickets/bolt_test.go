package tickets

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openTest(t *testing.T, path string, opts Options) *BoltStore {
	t.Helper()
	st, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func create(t *testing.T, st Store, requester string) Ticket {
	t.Helper()
	tk := Ticket{Subject: "s", Type: TypeSupport, Department: "D", Requester: requester}
	err := st.Update(context.Background(), func(tx Tx) error {
		return tx.CreateTicket(&tk, &Message{Direction: DirIn, From: requester, MessageID: "<m-" + requester + ">", Text: "t",
			Attachments: []Attachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte("hello")}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestKeysCountFromFirstNumber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st := openTest(t, path, Options{Prefix: "SUP", FirstNumber: 1000})
	for i, want := range []string{"SUP-1000", "SUP-1001", "SUP-1002"} {
		if got := create(t, st, "a@b").Key; got != want {
			t.Fatalf("ticket %d: key %s, want %s", i, got, want)
		}
	}
	st.Close()
	// A new prefix and a lower first number: old keys still resolve, new
	// ones never reuse a number.
	st = openTest(t, path, Options{Prefix: "HD", FirstNumber: 1})
	if got := create(t, st, "a@b").Key; got != "HD-1003" {
		t.Fatalf("after reopen: %s", got)
	}
	_ = st.View(context.Background(), func(v View) error {
		if _, err := v.Ticket("sup-1001"); err != nil {
			t.Errorf("old key: %v", err)
		}
		if _, err := v.Ticket("HD-1001"); !errors.Is(err, ErrNotFound) {
			t.Errorf("wrong prefix found a ticket: %v", err)
		}
		for _, bad := range []string{"", "SUP", "SUP-", "SUP-x", "-1", "SUP-99999999999999999999"} {
			if _, err := v.Ticket(bad); !errors.Is(err, ErrNotFound) {
				t.Errorf("Ticket(%q): %v", bad, err)
			}
		}
		return nil
	})
}

func TestLockedStoreFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	openTest(t, path, Options{})
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestThreadingIndexAndAttachments(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Prefix: "SUP", FirstNumber: 1})
	tk := create(t, st, "Ana@X.com")
	err := st.Update(context.Background(), func(tx Tx) error {
		return tx.Enqueue(&OutboxEntry{Kind: MailConfirmation, Ticket: tk.Key, To: "ana@x.com", MessageID: "<out-1@acme>"})
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(context.Background(), func(v View) error {
		for _, id := range []string{"m-Ana@X.com", "<m-Ana@X.com>", "out-1@acme", " <out-1@acme> "} {
			key, ok, err := v.TicketByMessageID(id)
			if err != nil || !ok || key != tk.Key {
				t.Errorf("TicketByMessageID(%q) = %q %v %v", id, key, ok, err)
			}
		}
		if _, ok, _ := v.TicketByMessageID("<other@x>"); ok {
			t.Errorf("unknown id found")
		}
		d, err := v.Detail(tk.Key)
		if err != nil {
			t.Fatal(err)
		}
		if d.Requester != "ana@x.com" || !d.IsParticipant("ANA@x.com") {
			t.Errorf("requester %q participants %v", d.Requester, d.Participants)
		}
		a := d.Messages[0].Attachments[0]
		data, err := v.AttachmentData(a.ID)
		if err != nil || string(data) != "hello" || a.Size != 5 {
			t.Errorf("attachment %+v: %q %v", a, data, err)
		}
		out, _ := v.Outbox(OutboxPending)
		if len(out) != 1 || out[0].State != OutboxPending || out[0].NextAttempt.IsZero() {
			t.Errorf("outbox %+v", out)
		}
		return nil
	})
}

func TestStatusEvents(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Now: func() time.Time { return now }})
	tk := create(t, st, "a@b")
	err := st.Update(context.Background(), func(tx Tx) error {
		if _, err := tx.SetStatus(tk.Key, "analyst", StatusResolved); err != nil {
			return err
		}
		if _, err := tx.SetStatus(tk.Key, "analyst", StatusResolved); err != nil { // no change, no event
			return err
		}
		if _, err := tx.SetStatus(tk.Key, "analyst", "bogus"); err == nil {
			t.Error("bogus status accepted")
		}
		got, err := tx.AppendMessage(tk.Key, &Message{Direction: DirOut, From: "analyst", Text: "x"})
		if got.Status != StatusResolved {
			t.Errorf("analyst message changed status to %s", got.Status)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(context.Background(), func(v View) error {
		d, _ := v.Detail(tk.Key)
		if len(d.Events) != 2 || d.Events[1].From != "open" || d.Events[1].To != "resolved" || !d.Events[1].At.Equal(now) {
			t.Errorf("events %+v", d.Events)
		}
		return nil
	})
}

func TestRawKeptOnceForExactRedelivery(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	raw := []byte("From: a@b\r\n\r\nx")
	var first, second Inbound
	err := st.Update(context.Background(), func(tx Tx) error {
		first = Inbound{SHA256: "h", Outcome: Ignored}
		if err := tx.RecordInbound(&first, raw, "sha256:h"); err != nil {
			return err
		}
		second = Inbound{SHA256: "h", Outcome: Duplicate, RawOf: first.ID}
		return tx.RecordInbound(&second, raw, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(context.Background(), func(v View) error {
		got, err := v.Raw(second.ID)
		if err != nil || string(got) != string(raw) {
			t.Errorf("raw of redelivery: %q %v", got, err)
		}
		seen, ok, err := v.Seen("sha256:h")
		if !ok || err != nil || seen.ID != first.ID {
			t.Errorf("seen %+v %v %v", seen, ok, err)
		}
		return nil
	})
}
