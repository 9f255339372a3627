package tickets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestSchemaVersion: a new store records SchemaVersion; one from before
// versions were recorded is version 1 and gets it written at the next
// read-write open; one written by a newer ticketgw is refused, read-only
// or not, and left byte for byte as it was.
func TestSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticketgw.db")
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st.Schema(); err != nil || v != SchemaVersion {
		t.Fatalf("new store: schema %d, %v", v, err)
	}
	// As stores made before this change: no version recorded.
	if err := st.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete(kSchema) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of an unversioned store: %v", err)
	}
	if v, _ := ro.Schema(); v != 1 {
		t.Errorf("unversioned store reads as schema %d, want 1", v)
	}
	ro.Close()
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta).Get(kSchema) == nil {
			t.Error("a read-write open did not record the schema")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A newer ticketgw's store.
	if err := st.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(kSchema, u64(SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{}, {ReadOnly: true}, {MustExist: true, Verify: true}} {
		if st, err := Open(path, opts); !errors.Is(err, ErrNewerSchema) {
			if st != nil {
				st.Close()
			}
			t.Errorf("%+v on a newer store: %v, want ErrNewerSchema", opts, err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a refused open changed the newer store")
	}
}
