package main

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/tickets"
)

func TestAnalystCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	if r := runBinary(t, []byte("curta\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 64 || !strings.Contains(r.stderr, "at least 10") {
		t.Fatalf("short password: %d %q", r.code, r.stderr)
	}
	if r := runBinary(t, []byte("uma senha longa e boa\n"), "analyst", "add", "-config", cfg, "-password-stdin", "carla"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.stderr)
	}
	tok := runBinary(t, nil, "analyst", "token", "-config", cfg, "carla")
	token := strings.TrimSpace(tok.stdout)
	if tok.code != 0 || !strings.HasPrefix(token, "tgw_") || len(token) < 40 {
		t.Fatalf("token: %d %q %q", tok.code, tok.stdout, tok.stderr)
	}
	if r := runBinary(t, nil, "analyst", "token", "-config", cfg, "ninguem"); r.code != 1 {
		t.Fatalf("token for nobody: %d %q", r.code, r.stderr)
	}
	if r := runBinary(t, nil, "analyst", "list", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, "carla") {
		t.Fatalf("list: %d %q", r.code, r.stdout)
	}
	st, err := tickets.Open(filepath.Join(dir, "data", storeFile), tickets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_ = st.View(context.Background(), func(v tickets.View) error {
		a, ok, _ := v.Analyst("carla")
		if !ok || bcrypt.CompareHashAndPassword(a.PasswordHash, []byte("uma senha longa e boa")) != nil {
			t.Errorf("stored password does not verify: %+v", a)
		}
		sum := sha256.Sum256([]byte(token))
		if name, ok, _ := v.TokenAnalyst(sum[:]); !ok || name != "carla" {
			t.Errorf("token not stored as its hash")
		}
		return nil
	})
}
