package tickets

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// linkClock is a store's clock that tests move by hand.
type linkClock struct{ t time.Time }

func (c *linkClock) Now() time.Time { return c.t }

func checkTicket(t *testing.T, st Store, p LinkPolicy, key, tok string, now time.Time) LinkStatus {
	t.Helper()
	var s LinkStatus
	err := st.View(context.Background(), func(v View) error {
		var err error
		s, _, err = CheckTicketLink(v, p, key, tok, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mintTicket(t *testing.T, st Store, p LinkPolicy, key string, now time.Time) string {
	t.Helper()
	var tok string
	err := st.View(context.Background(), func(v View) error {
		tk, err := v.Ticket(key)
		if err != nil {
			return err
		}
		tok, err = NewTicketLink(v, p, tk, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func setStatus(t *testing.T, st Store, key string, s Status) {
	t.Helper()
	if err := st.Update(context.Background(), func(tx Tx) error { _, err := tx.SetStatus(key, "ana", s); return err }); err != nil {
		t.Fatal(err)
	}
}

// TestTicketLinkLifetime: a ticket link lives while the ticket is not
// closed and AfterClose after it closed; a fresh one made for a ticket
// closed long ago lives AfterClose from its making.
func TestTicketLinkLifetime(t *testing.T) {
	clock := &linkClock{t: testNow}
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Now: clock.Now})
	p := LinkPolicy{AfterClose: 10 * 24 * time.Hour, ListLifetime: time.Hour}
	tk := create(t, st, "maria@cliente.com.br")
	tok := mintTicket(t, st, p, tk.Key, clock.t)

	// Open for long past the token's own expiry: still valid.
	clock.t = clock.t.Add(90 * 24 * time.Hour)
	if s := checkTicket(t, st, p, tk.Key, tok, clock.t); s != LinkValid {
		t.Fatalf("open ticket, old link: %v", s)
	}
	setStatus(t, st, tk.Key, StatusResolved)
	if s := checkTicket(t, st, p, tk.Key, tok, clock.t.Add(20*24*time.Hour)); s != LinkValid {
		t.Fatalf("resolved (not closed) ticket: %v", s)
	}
	setStatus(t, st, tk.Key, StatusClosed)
	closed := clock.t
	if s := checkTicket(t, st, p, tk.Key, tok, closed.Add(p.AfterClose-time.Second)); s != LinkValid {
		t.Fatalf("just before the end of the grace after close: %v", s)
	}
	late := closed.Add(p.AfterClose)
	if s := checkTicket(t, st, p, tk.Key, tok, late); s != LinkExpired {
		t.Fatalf("after the grace after close: %v", s)
	}
	fresh := mintTicket(t, st, p, tk.Key, late)
	if s := checkTicket(t, st, p, tk.Key, fresh, late.Add(p.AfterClose-time.Second)); s != LinkValid {
		t.Fatalf("fresh link on a long-closed ticket: %v", s)
	}
	if s := checkTicket(t, st, p, tk.Key, fresh, late.Add(p.AfterClose)); s != LinkExpired {
		t.Fatalf("fresh link after its own lifetime: %v", s)
	}
	// Reopened: every link of the current version lives again.
	clock.t = late
	setStatus(t, st, tk.Key, StatusOpen)
	if s := checkTicket(t, st, p, tk.Key, tok, late.Add(time.Hour)); s != LinkValid {
		t.Fatalf("reopened ticket: %v", s)
	}
	if s := checkTicket(t, st, p, "SUP-9999", tok, late); s != LinkInvalid {
		t.Fatalf("another ticket: %v", s)
	}
}

func TestRevokeLinks(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	p := LinkPolicy{}
	maria := create(t, st, "maria@cliente.com.br")
	joao := create(t, st, "joao@cliente.com.br")
	now := time.Now()
	mt, jt := mintTicket(t, st, p, maria.Key, now), mintTicket(t, st, p, joao.Key, now)
	var list string
	_ = st.View(ctx, func(v View) error { list, _ = NewListLink(v, p, "maria@cliente.com.br", now); return nil })

	var v uint32
	if err := st.Update(ctx, func(tx Tx) error { var err error; v, err = tx.RevokeLinks("Maria@Cliente.com.br"); return err }); err != nil || v != 1 {
		t.Fatalf("revoke: %d %v", v, err)
	}
	if s := checkTicket(t, st, p, maria.Key, mt, now); s != LinkRevoked {
		t.Errorf("maria's ticket link after revocation: %v", s)
	}
	if s := checkTicket(t, st, p, joao.Key, jt, now); s != LinkValid {
		t.Errorf("joão's ticket link after maria's revocation: %v", s)
	}
	_ = st.View(ctx, func(v View) error {
		if s, email, _ := CheckListLink(v, list, now); s != LinkRevoked || email != "maria@cliente.com.br" {
			t.Errorf("maria's list link after revocation: %v %s", s, email)
		}
		return nil
	})
	if s := checkTicket(t, st, p, maria.Key, mintTicket(t, st, p, maria.Key, now), now); s != LinkValid {
		t.Errorf("a link made after the revocation: %v", s)
	}
}

func TestRotateSecretGrace(t *testing.T) {
	ctx := context.Background()
	clock := &linkClock{t: testNow}
	path := filepath.Join(t.TempDir(), "db")
	st := openTest(t, path, Options{Now: clock.Now})
	p := LinkPolicy{}
	tk := create(t, st, "maria@cliente.com.br")
	old := mintTicket(t, st, p, tk.Key, clock.t)
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.RotateSecret(7 * 24 * time.Hour); return err }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openTest(t, path, Options{Now: clock.Now}) // the rotation survives a restart
	if s := checkTicket(t, st, p, tk.Key, old, clock.t.Add(7*24*time.Hour-time.Second)); s != LinkValid {
		t.Errorf("old link during the grace: %v", s)
	}
	if s := checkTicket(t, st, p, tk.Key, old, clock.t.Add(7*24*time.Hour)); s != LinkInvalid {
		t.Errorf("old link after the grace: %v", s)
	}
	if s := checkTicket(t, st, p, tk.Key, mintTicket(t, st, p, tk.Key, clock.t), clock.t.Add(8*24*time.Hour)); s != LinkValid {
		t.Errorf("new link: %v", s)
	}
	// A rotation without grace drops the previous secret at once.
	mid := mintTicket(t, st, p, tk.Key, clock.t)
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.RotateSecret(0); return err }); err != nil {
		t.Fatal(err)
	}
	if s := checkTicket(t, st, p, tk.Key, mid, clock.t); s != LinkInvalid {
		t.Errorf("link of the secret rotated without grace: %v", s)
	}
}

func TestRequestLinksOnlyToAddressesOnFile(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	tk := create(t, st, "maria@cliente.com.br")
	if err := st.Update(ctx, func(tx Tx) error {
		_, err := tx.AppendMessage(tk.Key, &Message{Direction: DirIn, From: "maria@cliente.com.br", Cc: []string{"chefe@cliente.com.br"}, Text: "x"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kind, email string
		want        bool
	}{
		{MailTicketLink, "MARIA@cliente.com.br", true}, {MailTicketLink, "chefe@cliente.com.br", true},
		{MailTicketLink, "intruso@evil.example", false}, {MailTicketLink, "", false},
		{MailListLink, "maria@cliente.com.br", true}, {MailListLink, "chefe@cliente.com.br", false},
	} {
		var sent bool
		err := st.Update(ctx, func(tx Tx) error {
			var err error
			if c.kind == MailTicketLink {
				sent, err = tx.RequestTicketLink(tk.Key, c.email)
			} else {
				sent, err = tx.RequestListLink(c.email, tk.Key)
			}
			return err
		})
		if err != nil || sent != c.want {
			t.Errorf("%s for %q: sent %v, %v; want %v", c.kind, c.email, sent, err, c.want)
		}
	}
	var out []OutboxEntry
	_ = st.View(ctx, func(v View) error { out, _ = v.Outbox(""); return nil })
	var got []string
	for _, e := range out {
		if e.Kind == MailTicketLink || e.Kind == MailListLink {
			got = append(got, e.Kind+" "+e.To)
		}
	}
	want := []string{"ticket_link maria@cliente.com.br", "ticket_link chefe@cliente.com.br", "list_link maria@cliente.com.br"}
	if len(got) != len(want) {
		t.Fatalf("outbox: %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("outbox[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}
