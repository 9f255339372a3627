package tickets

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
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
	// Now is the clock; tests set it.
	Now func() time.Time
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
}

var _ Store = (*BoltStore)(nil)

// Open opens (creating if needed) the store in path. It fails with ErrLocked
// within LockTimeout when another process has it open.
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
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.LockTimeout,
		// The freelist is rebuilt on open instead of written at every
		// commit: less to write per email, at a small cost per start.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Each time the file outgrows its mapping, bbolt remaps it and
		// first copies every value the open transaction wrote to the heap
		// (node.dereference): with large mail that was one more copy of
		// each message per growth step. Reserving address space (not
		// memory) up front makes remaps rare.
		InitialMmapSize: initialMmapSize,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
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
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialise store %s: %w", path, err)
	}
	return &BoltStore{db: db, opts: opts, commits: newCommitter(db), enqueued: make(chan struct{}, 1)}, nil
}

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
	return s.db.View(func(btx *bolt.Tx) error {
		return fn(&boltTx{tx: btx, opts: &s.opts})
	})
}

// Close implements Store.
func (s *BoltStore) Close() error {
	s.closeOnce.Do(s.commits.stop)
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
