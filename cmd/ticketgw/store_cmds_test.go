package main

import (
	"context"
	binenc "encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ticketgw/ticketgw/tickets"
)

// TestCheckAndBackupCommands: check says ok on a sound store; backup
// writes a copy that is a store of its own, checked clean, with every
// ticket; a corrupt store is reported by check (exit 65), never a panic.
func TestCheckAndBackupCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	for i := range 3 {
		mail := fmt.Sprintf("From: c%d@cliente.com.br\r\nTo: suporte@acme.com.br\r\nMessage-ID: <bk%d@cliente.com.br>\r\nSubject: Backup %d\r\n\r\nTexto.\r\n", i, i, i)
		if r := runBinary(t, []byte(mail), "deliver", "-config", cfg); r.code != 0 {
			t.Fatalf("deliver: %d %s", r.code, r.stderr)
		}
	}
	if r := runBinary(t, nil, "check", "-config", cfg); r.code != 0 || !strings.HasSuffix(r.stdout, ": ok\n") {
		t.Fatalf("check: %d %q %s", r.code, r.stdout, r.stderr)
	}
	copyPath := filepath.Join(t.TempDir(), "copia.db")
	r := runBinary(t, nil, "backup", "-config", cfg, copyPath)
	if r.code != 0 || !strings.Contains(r.stdout, copyPath+": ok\n") || !strings.Contains(r.stdout, "bytes written") {
		t.Fatalf("backup: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(copyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v (it holds everything: owner only)", err, fi.Mode())
	}
	st, err := tickets.Open(copyPath, tickets.Options{MustExist: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	err = st.View(context.Background(), func(v tickets.View) error {
		list, err := v.Tickets(tickets.Filter{})
		n = len(list)
		return err
	})
	st.Close()
	if err != nil || n != 3 {
		t.Errorf("backup holds %d tickets, want 3 (%v)", n, err)
	}
	if r := runBinary(t, nil, "backup", "-config", cfg); r.code != exitUsage {
		t.Errorf("backup without FILE: exit %d", r.code)
	}
	if r := runBinary(t, nil, "compact", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, "compacted from") {
		t.Fatalf("compact: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, nil, "check", "-config", cfg); r.code != 0 {
		t.Fatalf("check after compact: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, nil, "tickets", "list", "-config", cfg, "-json"); r.code != 0 || strings.Count(r.stdout, `"key":"SUP-`) != 3 {
		t.Errorf("tickets after compact: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "data", ".*compact*")); len(left) != 0 {
		t.Errorf("compact left %v behind", left)
	}

	// A corrupt store in place of the sound one.
	for name, data := range corruptStores(t) {
		if err := os.WriteFile(filepath.Join(dir, "data", storeFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runBinary(t, nil, "check", "-config", cfg)
		if r.code != exitDataErr || !strings.Contains(r.stdout, "corrupt") || strings.Contains(r.stderr, "goroutine ") {
			t.Errorf("check of the %s store: %d %q %s", name, r.code, r.stdout, r.stderr)
		}
	}
}

// TestVersionCommand: version names the release, the commit and the store
// schema this binary reads and writes.
func TestVersionCommand(t *testing.T) {
	r := runBinary(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ticketgw ") || !strings.Contains(r.stdout, "\ncommit ") ||
		!strings.Contains(r.stdout, fmt.Sprintf("\nschema %d\n", tickets.SchemaVersion)) {
		t.Errorf("version: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, nil, "version", "extra"); r.code != exitUsage {
		t.Errorf("version with an argument: exit %d", r.code)
	}
}

// TestNewerStoreRefused: a store written by a newer ticketgw is refused
// by every command, with a clear line, and deliver defers (75).
func TestNewerStoreRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	path := filepath.Join(dir, "data", storeFile)
	if err := markNewerSchema(path); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"tickets", "list"}, {"check"}, {"deliver"}} {
		r := runBinary(t, []byte("From: a@b.c\r\nSubject: x\r\n\r\ny\r\n"), append(args, "-config", cfg)...)
		if r.code != exitTempFail || !strings.Contains(r.stdout+r.stderr, "written by a newer ticketgw") {
			t.Errorf("%v on a newer store: %d %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// markNewerSchema records, as a newer release would, a schema version
// above this binary's in a store's meta bucket.
func markNewerSchema(path string) error {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binenc.BigEndian.AppendUint64(nil, tickets.SchemaVersion+1))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
