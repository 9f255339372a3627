package tickets

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestSessionsSurviveReopenAndPurge(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "db")
	st := openTest(t, path, Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	// A store that never had a session answers reads without error.
	if err := st.View(ctx, func(v View) error {
		_, ok, err := v.Session([]byte("h1"))
		if ok || err != nil {
			t.Errorf("session in an empty store: %v %v", ok, err)
		}
		list, err := v.Announcements()
		if len(list) != 0 || err != nil {
			t.Errorf("announcements in an empty store: %v %v", list, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := st.Update(ctx, func(tx Tx) error {
		if err := tx.PutSession([]byte("h1"), Session{Analyst: "carla", CreatedAt: now, LastSeen: now}); err != nil {
			return err
		}
		if err := tx.PutSession([]byte("old"), Session{Analyst: "carla", CreatedAt: now.Add(-8 * 24 * time.Hour), LastSeen: now}); err != nil {
			return err
		}
		if err := tx.PutSession([]byte("idle"), Session{Analyst: "carla", CreatedAt: now, LastSeen: now.Add(-13 * time.Hour)}); err != nil {
			return err
		}
		if err := tx.PutSession(nil, Session{Analyst: "x"}); err == nil {
			t.Error("session without id accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openTest(t, path, Options{Now: func() time.Time { return now }})
	err = st.Update(ctx, func(tx Tx) error {
		n, err := tx.PurgeSessions(now.Add(-12*time.Hour), now.Add(-7*24*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("purged %d, %v; want 2", n, err)
		}
		s, ok, err := tx.Session([]byte("h1"))
		if !ok || err != nil || s.Analyst != "carla" {
			t.Errorf("session after reopen: %+v %v %v", s, ok, err)
		}
		if err := tx.DeleteSession([]byte("h1")); err != nil {
			return err
		}
		if _, ok, _ := tx.Session([]byte("h1")); ok {
			t.Error("session still there after delete")
		}
		return tx.DeleteSession([]byte("h1")) // twice: fine
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAnnouncements(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	var a, b Announcement
	err := st.Update(ctx, func(tx Tx) error {
		a, b = Announcement{Text: " Manutenção sábado ", PostedBy: "carla"}, Announcement{Text: "Novo horário", PostedBy: "carla"}
		if err := tx.PostAnnouncement(&a); err != nil {
			return err
		}
		if err := tx.PostAnnouncement(&Announcement{Text: "  "}); err == nil {
			t.Error("empty announcement accepted")
		}
		return tx.PostAnnouncement(&b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx Tx) error { return tx.RetireAnnouncement(a.ID, "chefe") }); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx Tx) error { return tx.RetireAnnouncement(99, "chefe") }); !errors.Is(err, ErrNotFound) {
		t.Errorf("retire unknown: %v", err)
	}
	_ = st.View(ctx, func(v View) error {
		list, err := v.Announcements()
		if err != nil || len(list) != 2 || list[0].ID != b.ID || !list[0].Current() || list[1].Current() || list[1].RetiredBy != "chefe" || list[1].Text != "Manutenção sábado" {
			t.Errorf("announcements %+v %v", list, err)
		}
		return nil
	})
}

func TestRetryOutbox(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	var e OutboxEntry
	err := st.Update(ctx, func(tx Tx) error {
		e = OutboxEntry{Kind: MailConfirmation, To: "ana@x.com", MessageID: "<a@x>"}
		if err := tx.Enqueue(&e); err != nil {
			return err
		}
		e.State, e.Attempts, e.LastError = OutboxFailed, 3, "550 no such user"
		return tx.UpdateOutbox(&e)
	})
	if err != nil {
		t.Fatal(err)
	}
	<-st.Enqueued() // drain the enqueue's signal
	now = now.Add(time.Hour)
	var got OutboxEntry
	if err := st.Update(ctx, func(tx Tx) (err error) { got, err = tx.RetryOutbox(e.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if got.State != OutboxPending || got.Attempts != 0 || !got.NextAttempt.Equal(now) || got.LastError != "550 no such user" {
		t.Errorf("retried entry %+v", got)
	}
	select {
	case <-st.Enqueued():
	default:
		t.Error("retry did not wake the worker")
	}
	_ = st.View(ctx, func(v View) error {
		due, _, err := v.OutboxDue(now, 10)
		if err != nil || len(due) != 1 || due[0].ID != e.ID {
			t.Errorf("due after retry: %+v %v", due, err)
		}
		return nil
	})
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.RetryOutbox(e.ID); return err }); !errors.Is(err, ErrNotFailed) {
		t.Errorf("retry of a pending entry: %v", err)
	}
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.RetryOutbox(42); return err }); !errors.Is(err, ErrNotFound) {
		t.Errorf("retry of an unknown entry: %v", err)
	}
}

func TestCustomerReply(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Prefix: "SUP", FirstNumber: 1})
	tk := create(t, st, "ana@x.com")
	ctx := context.Background()
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.SetStatus(tk.Key, "carla", StatusResolved); return err }); err != nil {
		t.Fatal(err)
	}
	var before []OutboxEntry
	_ = st.View(ctx, func(v View) error { before, _ = v.Outbox(""); return nil })
	var m Message
	err := st.Update(ctx, func(tx Tx) (err error) {
		m, err = tx.CustomerReply(tk.Key, "ainda não funciona", []Attachment{{Filename: "log.txt", ContentType: "text/plain", Data: []byte("x")}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.CustomerReply(tk.Key, " ", nil); return err }); err == nil {
		t.Error("empty reply accepted")
	}
	_ = st.View(ctx, func(v View) error {
		d, _ := v.Detail(tk.Key)
		out, _ := v.Outbox("")
		last := d.Messages[len(d.Messages)-1]
		if d.Status != StatusOpen || last.Direction != DirIn || last.From != "ana@x.com" || last.ID != m.ID || len(last.Attachments) != 1 {
			t.Errorf("after reply: %s %+v", d.Status, last)
		}
		if len(out) != len(before) {
			t.Errorf("a page reply enqueued mail: %+v", out[len(before):])
		}
		return nil
	})
}
