package tickets

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout of the buckets this code reads and writes.
// A store records the version that last wrote it, so that an older binary
// started on a store a newer one has changed refuses it in words, instead
// of misreading records it does not know. Stores written before versions
// were recorded have today's layout: version 1.
const SchemaVersion = 1

// ErrNewerSchema is returned by Open for a store written by a newer
// ticketgw: run that release (or a later one) on it.
var ErrNewerSchema = errors.New("the store was written by a newer ticketgw")

var kSchema = []byte("schema")

// schemaOf reads the version a store records (1 when it records none).
func schemaOf(tx *bolt.Tx) uint64 {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		return SchemaVersion
	}
	v := meta.Get(kSchema)
	if len(v) != 8 {
		return 1
	}
	return binary.BigEndian.Uint64(v)
}

// checkSchema refuses, before anything is written, a store of a schema
// this code does not know.
func checkSchema(db *bolt.DB) (err error) {
	defer recovered(&err)
	return db.View(func(tx *bolt.Tx) error {
		if v := schemaOf(tx); v > SchemaVersion {
			return fmt.Errorf("%w: its schema is version %d, this ticketgw knows up to %d", ErrNewerSchema, v, SchemaVersion)
		}
		return nil
	})
}

// Schema is the schema version the store records.
func (s *BoltStore) Schema() (uint64, error) {
	var v uint64
	err := s.view(func(tx *bolt.Tx) error {
		v = schemaOf(tx)
		return nil
	})
	return v, err
}
