package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAnalystsAndTokens(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	err := st.Update(ctx, func(tx Tx) error {
		if err := tx.PutAnalyst(Analyst{Name: "carla", PasswordHash: []byte("h1")}); err != nil {
			return err
		}
		if err := tx.PutAnalyst(Analyst{Name: " ", PasswordHash: []byte("h")}); err == nil {
			t.Error("nameless analyst accepted")
		}
		if err := tx.AddToken("ninguem", []byte("x")); !errors.Is(err, ErrNotFound) {
			t.Errorf("token for a stranger: %v", err)
		}
		return tx.AddToken("carla", []byte("hash-of-token"))
	})
	if err != nil {
		t.Fatal(err)
	}
	first := analyst(t, st, "carla")
	if err := st.Update(ctx, func(tx Tx) error { return tx.PutAnalyst(Analyst{Name: "carla", PasswordHash: []byte("h2")}) }); err != nil {
		t.Fatal(err)
	}
	again := analyst(t, st, "carla")
	if string(again.PasswordHash) != "h2" || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("password change: %+v (was %+v)", again, first)
	}
	_ = st.View(ctx, func(v View) error {
		if name, ok, _ := v.TokenAnalyst([]byte("hash-of-token")); !ok || name != "carla" {
			t.Errorf("token: %q %v", name, ok)
		}
		if _, ok, _ := v.TokenAnalyst([]byte("other")); ok {
			t.Error("unknown token found")
		}
		return nil
	})
}

func analyst(t *testing.T, st Store, name string) Analyst {
	var a Analyst
	_ = st.View(context.Background(), func(v View) error {
		var ok bool
		a, ok, _ = v.Analyst(name)
		if !ok {
			t.Fatalf("analyst %s missing", name)
		}
		return nil
	})
	return a
}

func TestPasswordChangeRaisesCredVersion(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	put := func(hash string) {
		t.Helper()
		if err := st.Update(context.Background(), func(tx Tx) error { return tx.PutAnalyst(Analyst{Name: "carla", PasswordHash: []byte(hash)}) }); err != nil {
			t.Fatal(err)
		}
	}
	put("h1")
	if v := analyst(t, st, "carla").CredVersion; v != 0 {
		t.Fatalf("new analyst at version %d", v)
	}
	put("h1") // the same hash: no change of password
	if v := analyst(t, st, "carla").CredVersion; v != 0 {
		t.Fatalf("same password raised the version to %d", v)
	}
	put("h2")
	if v := analyst(t, st, "carla").CredVersion; v != 1 {
		t.Fatalf("password change: version %d, want 1", v)
	}
	// A disabled analyst stays disabled through a password change.
	if err := st.Update(context.Background(), func(tx Tx) error { _, err := tx.SetAnalystDisabled("carla", true); return err }); err != nil {
		t.Fatal(err)
	}
	put("h3")
	if a := analyst(t, st, "carla"); !a.Disabled || a.CredVersion != 3 {
		t.Fatalf("after disable and password change: %+v", a)
	}
}

func TestDisableAndRemoveAnalyst(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	err := st.Update(ctx, func(tx Tx) error {
		for _, n := range []string{"carla", "davi"} {
			if err := tx.PutAnalyst(Analyst{Name: n, PasswordHash: []byte("h")}); err != nil {
				return err
			}
			if err := tx.PutSession([]byte("s-"+n), Session{Analyst: n}); err != nil {
				return err
			}
			if err := tx.AddToken(n, []byte(n+"-token-hash")); err != nil {
				return err
			}
		}
		_, err := tx.SetAnalystDisabled("ninguem", true)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("disable a stranger: %v", err)
		}
		if _, _, err := tx.RemoveAnalyst("ninguem"); !errors.Is(err, ErrNotFound) {
			t.Errorf("remove a stranger: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.SetAnalystDisabled("carla", true); return err }); err != nil {
		t.Fatal(err)
	}
	_ = st.View(ctx, func(v View) error {
		if _, ok, _ := v.Session([]byte("s-carla")); ok {
			t.Error("disable left carla's session")
		}
		if _, ok, _ := v.Session([]byte("s-davi")); !ok {
			t.Error("disabling carla ended davi's session")
		}
		return nil
	})
	if a := analyst(t, st, "carla"); !a.Disabled || a.CredVersion != 1 {
		t.Fatalf("disabled: %+v", a)
	}
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.SetAnalystDisabled("carla", false); return err }); err != nil {
		t.Fatal(err)
	}
	if a := analyst(t, st, "carla"); a.Disabled || a.CredVersion != 1 {
		t.Fatalf("enabled: %+v", a)
	}

	var sessions, tokens int
	if err := st.Update(ctx, func(tx Tx) error {
		if err := tx.PutSession([]byte("s2-carla"), Session{Analyst: "carla"}); err != nil {
			return err
		}
		var err error
		sessions, tokens, err = tx.RemoveAnalyst("carla")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if sessions != 1 || tokens != 1 {
		t.Errorf("remove ended %d sessions and %d tokens, want 1 and 1", sessions, tokens)
	}
	_ = st.View(ctx, func(v View) error {
		if _, ok, _ := v.Analyst("carla"); ok {
			t.Error("carla still there")
		}
		if _, ok, _ := v.Session([]byte("s2-carla")); ok {
			t.Error("remove left carla's session")
		}
		if _, ok, _ := v.APIToken([]byte("carla-token-hash")); ok {
			t.Error("remove left carla's token")
		}
		if _, ok, _ := v.APIToken([]byte("davi-token-hash")); !ok {
			t.Error("removing carla revoked davi's token")
		}
		if _, ok, _ := v.Session([]byte("s-davi")); !ok {
			t.Error("removing carla ended davi's session")
		}
		return nil
	})
}

func TestAPITokensNamedExpiringAndLegacy(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{})
	ctx := context.Background()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hash := sha256.Sum256([]byte("tgw_secret"))
	legacy := sha256.Sum256([]byte("tgw_old"))
	var made APIToken
	err := st.Update(ctx, func(tx Tx) error {
		if err := tx.PutAnalyst(Analyst{Name: "carla", PasswordHash: []byte("h")}); err != nil {
			return err
		}
		var err error
		made, err = tx.AddAPIToken(hash[:], APIToken{Analyst: "carla", Label: "export", CreatedAt: created, ExpiresAt: created.Add(90 * 24 * time.Hour), ReadOnly: true})
		if err != nil {
			return err
		}
		if _, err := tx.AddAPIToken(hash[:], APIToken{Analyst: "carla"}); err == nil {
			t.Error("a second token with the same id was accepted")
		}
		_, err = tx.AddAPIToken([]byte("another-hash"), APIToken{Analyst: "ninguem"})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("token of a stranger: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A token as stored before tokens had names: the bare analyst name.
	if err := st.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bTokens).Put(legacy[:], []byte("carla")) }); err != nil {
		t.Fatal(err)
	}
	if made.ID != hex.EncodeToString(hash[:6]) {
		t.Fatalf("id %q", made.ID)
	}
	_ = st.View(ctx, func(v View) error {
		list, err := v.APITokens("carla")
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v %+v", err, list)
		}
		if l := list[0]; !l.Legacy || l.Analyst != "carla" || !l.ExpiresAt.IsZero() || l.ReadOnly || l.ID != TokenID(legacy[:]) {
			t.Errorf("legacy token: %+v", l)
		}
		if n := list[1]; n.Legacy || n.Label != "export" || !n.ReadOnly || !n.CreatedAt.Equal(created) || n.Expired(created.Add(89*24*time.Hour)) || !n.Expired(created.Add(90*24*time.Hour)) {
			t.Errorf("named token: %+v", n)
		}
		if name, ok, _ := v.TokenAnalyst(legacy[:]); !ok || name != "carla" {
			t.Errorf("legacy TokenAnalyst: %q %v", name, ok)
		}
		return nil
	})
	// Using a legacy token rewrites it in today's format, still legacy.
	used := created.Add(time.Hour)
	if err := st.Update(ctx, func(tx Tx) error { return tx.TouchToken(legacy[:], used) }); err != nil {
		t.Fatal(err)
	}
	_ = st.View(ctx, func(v View) error {
		tok, ok, err := v.APIToken(legacy[:])
		if err != nil || !ok || !tok.Legacy || !tok.LastUsed.Equal(used) || tok.Analyst != "carla" {
			t.Errorf("touched legacy token: %+v %v %v", tok, ok, err)
		}
		return nil
	})
	// Revocation by ID, legacy ones too.
	for _, id := range []string{made.ID, strings.ToUpper(TokenID(legacy[:]))} {
		if err := st.Update(ctx, func(tx Tx) error { _, err := tx.RevokeToken(id); return err }); err != nil {
			t.Fatalf("revoke %s: %v", id, err)
		}
	}
	if err := st.Update(ctx, func(tx Tx) error { _, err := tx.RevokeToken(made.ID); return err }); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	_ = st.View(ctx, func(v View) error {
		if list, _ := v.APITokens(""); len(list) != 0 {
			t.Errorf("after revocation: %+v", list)
		}
		return nil
	})
}
