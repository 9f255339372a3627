package tickets

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrNoStore is returned by Open for a missing file when Options.MustExist
// or ReadOnly is set: every command but serve refuses to start a new store,
// so that a deleted file or a data_dir whose mount is missing is not
// silently replaced by an empty one.
var ErrNoStore = errors.New("no store file (`ticketgw serve` creates it on a fresh data_dir; is data_dir right and mounted?)")

// ErrEmptyStore is returned by Open for a zero-length file, which bbolt
// would initialise as a new database with numbering starting over.
var ErrEmptyStore = errors.New("the store file is empty (0 bytes): restore it from a backup, or remove it and let `ticketgw serve` create a new store")

// recovered turns a panic into an error wrapping ErrCorrupt. It is deferred
// around calls into bbolt, which asserts by panicking when a page is not
// what it should be.
func recovered(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", ErrCorrupt, r)
	}
}

// openBolt is bolt.Open with its panics turned into errors. bbolt's
// freelist walk reports what it finds by panicking in the caller's
// goroutine, which this catches; panics in the goroutine it starts itself
// cannot be caught here, which is what verify is for.
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	defer recovered(&err)
	return bolt.Open(path, 0o600, o)
}

// checkSize fails when the file is shorter than the pages its meta page
// counts: a truncated store, whose missing pages bbolt would trip over.
func checkSize(db *bolt.DB, size int64) (err error) {
	defer recovered(&err)
	return db.View(func(tx *bolt.Tx) error {
		if need := tx.Size(); need > size {
			return fmt.Errorf("%w: the file has %d bytes but its pages need %d (truncated?)", ErrCorrupt, size, need)
		}
		return nil
	})
}

// verify opens path read-only and walks every page header of every
// bucket in a goroutine of its own, where a panic (bbolt's assertions, a
// fault on a page past the end) can be caught: serve does it before the
// read-write open, whose freelist rebuild would panic where nothing can
// recover. It costs one walk of the tree at start.
func verify(path string, o bolt.Options) error {
	o.ReadOnly = true
	db, err := openBolt(path, &o)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return ErrLocked
	}
	if err != nil {
		return err
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := checkSize(db, fi.Size()); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		var err error
		defer func() { done <- err }()
		defer recovered(&err)
		debug.SetPanicOnFault(true)
		err = db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
				_ = b.Stats()
				return nil
			})
		})
	}()
	return <-done
}

// fileOpener is bbolt's OpenFile: it never creates the file unless create
// is set, refuses a zero-length one, and keeps the file so that the store
// can tell later whether the path still names it.
type fileOpener struct {
	create bool
	file   *os.File
}

func (f *fileOpener) open(name string, flag int, perm os.FileMode) (*os.File, error) {
	if f.create {
		flag |= os.O_CREATE | os.O_EXCL
	} else {
		flag &^= os.O_CREATE
	}
	file, err := os.OpenFile(name, flag, perm)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoStore
	}
	if err != nil {
		return nil, err
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, err
	}
	if fi.Size() == 0 && !f.create {
		file.Close()
		return nil, ErrEmptyStore
	}
	f.file = file
	return file, nil
}
