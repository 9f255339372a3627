package tickets

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
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
