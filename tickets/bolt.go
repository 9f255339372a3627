package tickets

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Bucket names. Numbers in keys are big-endian so that cursor order is
// numeric order.
var (
	bMeta        = []byte("meta")
	bTickets     = []byte("tickets")     // ticket number → Ticket
	bMessages    = []byte("messages")    // ticket number | message seq → Message
	bEvents      = []byte("events")      // ticket number | event seq → Event
	bAttachments = []byte("attachments") // attachment id → bytes
	bMsgIDs      = []byte("msgids")      // Message-ID → ticket number
	bDedupe      = []byte("dedupe")      // dedupe key → inbound id
	bInbound     = []byte("inbound")     // inbound id → Inbound
	bRaw         = []byte("raw")         // inbound id → raw bytes
	bCustomers   = []byte("customers")   // lower-case email → Customer
	bOutbox      = []byte("outbox")      // entry id → OutboxEntry
	bOutboxDue   = []byte("outbox_due")  // next attempt | entry id → nil, pending entries only
	bSent        = []byte("sent")        // address 0x00 sent time | entry id → nil, automatic mail sent
	bMailboxes   = []byte("mailboxes")   // IMAP mailbox name → MailboxState
	bAnalysts    = []byte("analysts")    // name → Analyst
	bTokens      = []byte("tokens")      // SHA-256 of an API token → analyst name

	kNextTicket = []byte("next_ticket")
	kSecret     = []byte("secret")
)

// appendBuckets get keys in increasing order, so their pages are filled
// almost full instead of split in halves: fewer pages written per email.
var appendBuckets = [][]byte{bTickets, bMessages, bEvents, bInbound, bRaw, bOutbox, bOutboxDue, bAttachments, bRawChunks, bAttachmentChunks}

const appendFill = 0.95

var allBuckets = [][]byte{bMeta, bTickets, bMessages, bEvents, bAttachments, bMsgIDs, bDedupe, bInbound, bRaw, bCustomers, bOutbox, bOutboxDue, bSent, bMailboxes, bAnalysts, bTokens, bRawChunks, bAttachmentChunks}

// initialMmapSize is the address space the store's file is mapped with at
// open: 1 GiB on 64-bit systems, where it costs nothing until pages are
// read; bbolt's own default on others.
const initialMmapSize = (strconv.IntSize / 64) << 30

// Options configure a bbolt store.
type Options struct {
	// Prefix and FirstNumber make ticket keys: Prefix-FirstNumber for the
	// first ticket, counting up.
	Prefix      string
	FirstNumber uint64
	// LockTimeout bounds the wait for another process's lock (default 1s).
	LockTimeout time.Duration
	// MapBytes is the address space the file is mapped with at open
	// (default 1 GiB on 64-bit systems): see memory.store_map_bytes.
	MapBytes int
	// Now is the clock; tests set it.
	Now func() time.Time
	// MustExist refuses a missing file (ErrNoStore) instead of creating
	// it: every command but serve sets it, so that a deleted store or a
	// data_dir whose mount is missing is never replaced by an empty one.
	// A zero-length file is refused whatever this says (ErrEmptyStore).
	MustExist bool
	// ReadOnly opens the file read-only under a shared lock and writes
	// nothing at open, so that reading commands work on a read-only
	// filesystem or a snapshot; Update fails. It implies MustExist.
	ReadOnly bool
	// Verify walks every page at open where a panic can be caught, so that
	// a corrupt file is an error instead of a crash in bbolt's own
	// freelist rebuild: serve sets it, at the cost of one walk at start.
	Verify bool
	// CheckInterval is how often the path is compared with the open file
	// besides before each commit (default 5s; negative: only at commits).
	CheckInterval time.Duration
	// Logger gets the one ERROR line said when the store breaks.
	Logger *slog.Logger
}

// BoltStore keeps everything in one bbolt file.
type BoltStore struct {
	db   *bolt.DB
	opts Options
	// commits runs every Update, grouping concurrent ones in one commit.
	commits   *committer
	closeOnce sync.Once
	// enqueued wakes the outbound worker (capacity 1: one pending wake-up
	// covers any number of commits).
	enqueued chan struct{}
	// index answers Search (bolt_index.go); its zero value is ready.
	index searchIndex
	// state is the store's health: the file watch, the last failed
	// commit, whether it is broken (bolt_health.go).
	state *storeState
	// created: Open made a new file.
	created bool
	// watchStop ends the periodic file check; watchDone says it ended.
	watchStop, watchDone chan struct{}
}

var _ Store = (*BoltStore)(nil)

// Open opens the store in path, creating the file (and its directory)
// when it is missing unless opts.MustExist or ReadOnly says not to. A
// zero-length file is an error, never a new store. It fails with ErrLocked
// within LockTimeout when another process has it open, and with an error
// wrapping ErrCorrupt, not a panic, when bbolt cannot read it.
func Open(path string, opts Options) (*BoltStore, error) {
	if opts.Prefix == "" {
		opts.Prefix = "SUP"
	}
	if opts.FirstNumber == 0 {
		opts.FirstNumber = 1
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CheckInterval == 0 {
		opts.CheckInterval = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opener := &fileOpener{}
	switch fi, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		if opts.MustExist || opts.ReadOnly {
			return nil, fmt.Errorf("open store %s: %w", path, ErrNoStore)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		opener.create = true
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	case fi.Size() == 0:
		return nil, fmt.Errorf("open store %s: %w", path, ErrEmptyStore)
	}
	bopts := bolt.Options{
		Timeout: opts.LockTimeout,
		// The freelist is rebuilt on open instead of written at every
		// commit: less to write per email, at a small cost per start.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		ReadOnly:       opts.ReadOnly,
		OpenFile:       opener.open,
		// Each time the file outgrows its mapping, bbolt remaps it and
		// first copies every value the open transaction wrote to the heap
		// (node.dereference): with large mail that was one more copy of
		// each message per growth step. Reserving address space (not
		// memory) up front makes remaps rare.
		InitialMmapSize: cmp.Or(opts.MapBytes, initialMmapSize),
	}
	if opts.Verify && !opener.create {
		if err := verify(path, bopts); err != nil {
			return nil, openError(path, err)
		}
	}
	db, err := openBolt(path, &bopts)
	if err != nil {
		return nil, openError(path, err)
	}
	fi, err := opener.file.Stat()
	if err == nil {
		err = checkSize(db, fi.Size())
	}
	if err == nil {
		err = checkSchema(db)
	}
	if err == nil && !opts.ReadOnly {
		err = initialise(db)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialise store %s: %w", path, err)
	}
	s := &BoltStore{db: db, opts: opts, enqueued: make(chan struct{}, 1), created: opener.create,
		state: newStoreState(path, fi, opts.Logger)}
	s.commits = newCommitter(db, s.state, opts.Now)
	if !opts.ReadOnly && opts.CheckInterval > 0 {
		s.watchStop, s.watchDone = make(chan struct{}), make(chan struct{})
		go s.state.watch(opts.CheckInterval, s.watchStop, s.watchDone)
	}
	return s, nil
}

// openError names the file and keeps ErrLocked recognisable.
func openError(path string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) || errors.Is(err, ErrLocked) {
		return fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	return fmt.Errorf("open store %s: %w", path, err)
}

// initialise makes the buckets, the schema version and the deep-link
// secret a store needs.
func initialise(db *bolt.DB) (err error) {
	defer recovered(&err)
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if meta.Get(kSchema) == nil {
			if err := meta.Put(kSchema, u64(SchemaVersion)); err != nil {
				return err
			}
		}
		if meta.Get(kSecret) == nil {
			secret := make([]byte, 32)
			if _, err := rand.Read(secret); err != nil {
				return err
			}
			if err := meta.Put(kSecret, secret); err != nil {
				return err
			}
		}
		return nil
	})
}

// Created reports whether Open made a new, empty store: serve says so in
// its log, so that a store started over by mistake is seen.
func (s *BoltStore) Created() bool { return s.created }

// Health implements HealthReporter.
func (s *BoltStore) Health() StoreHealth { return s.state.health() }

// Fatal implements HealthReporter.
func (s *BoltStore) Fatal() <-chan struct{} { return s.state.fatal }

// Update implements Store. Concurrent callers share commits (one fsync for
// many emails), which is what keeps a busy listener fast; a lone caller
// commits at once.
func (s *BoltStore) Update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var enqueued bool // of the last run: a group commit may run fn again
	err := s.commits.submit(func(btx *bolt.Tx) error {
		for _, name := range appendBuckets {
			btx.Bucket(name).FillPercent = appendFill
		}
		t := &boltTx{tx: btx, opts: &s.opts}
		err := fn(t)
		enqueued = t.enqueued
		return err
	})
	if err == nil && enqueued {
		select {
		case s.enqueued <- struct{}{}:
		default:
		}
	}
	return err
}

// Enqueued implements Store.
func (s *BoltStore) Enqueued() <-chan struct{} { return s.enqueued }

// View implements Store.
func (s *BoltStore) View(ctx context.Context, fn func(View) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.view(func(btx *bolt.Tx) error {
		return fn(&boltTx{tx: btx, opts: &s.opts})
	})
	if errors.Is(err, bolterrors.ErrInvalidMapping) {
		s.state.markBroken(fmt.Errorf("%w: %w", ErrUnmapped, err))
	}
	return err
}

// view is db.View with bbolt's panics (a corrupt page) turned into an
// error that breaks the store.
func (s *BoltStore) view(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
			s.state.markBroken(err)
		}
	}()
	return s.db.View(fn)
}

// Close implements Store.
func (s *BoltStore) Close() error {
	s.closeOnce.Do(func() {
		s.commits.stop()
		if s.watchStop != nil {
			close(s.watchStop)
			<-s.watchDone
		}
	})
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func pair(a, b uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, a)
	binary.BigEndian.PutUint64(k[8:], b)
	return k
}
