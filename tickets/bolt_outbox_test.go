package tickets

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestOutboxDueAndSent(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	select {
	case <-st.Enqueued():
		t.Fatal("signal before any enqueue")
	default:
	}
	var a, b, c OutboxEntry
	err := st.Update(ctx, func(tx Tx) error {
		a = OutboxEntry{Kind: MailConfirmation, To: "Ana@x.com", MessageID: "<a@x>"}
		b = OutboxEntry{Kind: MailReply, To: "ana@x.com", MessageID: "<b@x>", NextAttempt: now.Add(time.Hour)}
		c = OutboxEntry{Kind: MailStatus, To: "ana@x.com", MessageID: "<c@x>"}
		for _, e := range []*OutboxEntry{&a, &b, &c} {
			if err := tx.Enqueue(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.Enqueued():
	default:
		t.Fatal("no signal after enqueue")
	}
	due := func(at time.Time) ([]OutboxEntry, time.Time) {
		var list []OutboxEntry
		var next time.Time
		_ = st.View(ctx, func(v View) error {
			var err error
			list, next, err = v.OutboxDue(at, 10)
			return err
		})
		return list, next
	}
	list, next := due(now)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != c.ID || !next.Equal(now.Add(time.Hour)) {
		t.Fatalf("due %+v next %v", list, next)
	}
	err = st.Update(ctx, func(tx Tx) error {
		a.State, a.SentAt = OutboxSent, now
		if err := tx.UpdateOutbox(&a); err != nil {
			return err
		}
		c.NextAttempt, c.Attempts = now.Add(2*time.Minute), 1
		if err := tx.UpdateOutbox(&c); err != nil {
			return err
		}
		b.State, b.LastError = OutboxFailed, "550 no such user"
		return tx.UpdateOutbox(&b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if list, next := due(now); len(list) != 0 || !next.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("after update: due %+v next %v", list, next)
	}
	if list, _ := due(now.Add(time.Hour)); len(list) != 1 || list[0].ID != c.ID || list[0].Attempts != 1 {
		t.Fatalf("later: %+v", list)
	}
	_ = st.View(ctx, func(v View) error {
		for _, tc := range []struct {
			since time.Time
			want  int
		}{{now.Add(-time.Hour), 1}, {now.Add(time.Second), 0}} {
			if n, err := v.SentTo("ANA@x.com", tc.since); err != nil || n != tc.want {
				t.Errorf("SentTo since %v = %d %v, want %d", tc.since, n, err, tc.want)
			}
		}
		if n, _ := v.SentTo("an@x.com", now.Add(-time.Hour)); n != 0 {
			t.Errorf("prefix of another address counted: %d", n)
		}
		return nil
	})
}

// TestSentBudgetFoldsAndCountsPerDomain: plus-addresses share the budget
// of their mailbox, and every address of a domain counts toward the
// domain's budget; a key of one never counts for another.
func TestSentBudgetFoldsAndCountsPerDomain(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	to := []string{"maria+a@d.com", "Maria+b@D.com", "maria@d.com", "joao@d.com", "maria@e.com", "maria+@d.com"}
	err := st.Update(ctx, func(tx Tx) error {
		for i, addr := range to {
			e := OutboxEntry{Kind: MailConfirmation, To: addr, MessageID: "<" + string(rune('a'+i)) + "@x>"}
			if err := tx.Enqueue(&e); err != nil {
				return err
			}
			e.State, e.SentAt = OutboxSent, now
			if err := tx.UpdateOutbox(&e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(ctx, func(v View) error {
		since := now.Add(-time.Hour)
		for addr, want := range map[string]int{"maria@d.com": 4, "MARIA+zzz@d.com": 4, "maria+@d.com": 4, "joao@d.com": 1, "maria@e.com": 1, "mari@d.com": 0, "+x@d.com": 0} {
			if n, err := v.SentTo(addr, since); err != nil || n != want {
				t.Errorf("SentTo(%s) = %d %v, want %d", addr, n, err, want)
			}
		}
		for dom, want := range map[string]int{"d.com": 5, "D.COM": 5, "e.com": 1, "x.d.com": 0, "": 0} {
			if n, err := v.SentToDomain(dom, since); err != nil || n != want {
				t.Errorf("SentToDomain(%q) = %d %v, want %d", dom, n, err, want)
			}
		}
		if n, _ := v.SentToDomain("d.com", now.Add(time.Second)); n != 0 {
			t.Errorf("SentToDomain counts before since: %d", n)
		}
		return nil
	})
}
