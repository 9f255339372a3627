package tickets

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// ErrStoreChanged is the error of every write once the path of the store no
// longer names the file the store has open (deleted, replaced by another
// file, or truncated): writing on would acknowledge mail into a file that
// nobody will open again. Only a restart of serve ends it.
var ErrStoreChanged = errors.New("the store file changed under the running gateway")

// ErrCorrupt marks a store that bbolt could not read: a panic inside it,
// or a file shorter than its own pages say. It is returned instead of
// crashing, and the store refuses writes from then on.
var ErrCorrupt = errors.New("the store is corrupt")

// ErrUnmapped is the error after bbolt failed to remap the file (for
// example when the filesystem went read-only while it grew): the handle is
// dead for good, so serve exits and lets its supervisor start it again.
var ErrUnmapped = errors.New("the store file is no longer mapped")

// StoreHealth is what the store knows of its own state, for /healthz and
// for workers that should stop while it cannot write.
type StoreHealth struct {
	// Broken is why the store refuses every write until a restart
	// (ErrStoreChanged, ErrCorrupt, ErrUnmapped wrapped with detail); nil
	// while it is not.
	Broken error
	// LastFailure and LastError are the time and error of the last commit
	// that failed (disk full, permission, ...); zero when none did.
	LastFailure time.Time
	LastError   error
	// Failing: the last commit failed and none succeeded since. It clears
	// by itself at the next commit that works.
	Failing bool
}

// OK reports a store that took its last commit and is not broken.
func (h StoreHealth) OK() bool { return h.Broken == nil && !h.Failing }

// HealthReporter is a store that tells its own state; web's /healthz asks
// for it without depending on the engine.
type HealthReporter interface {
	Health() StoreHealth
	// Fatal is closed when the store cannot go on in this process
	// (ErrUnmapped): the caller should exit non-zero.
	Fatal() <-chan struct{}
}

// storeState is the store's health, shared by the committer, views and
// the file watch.
type storeState struct {
	path string
	log  *slog.Logger

	mu       sync.Mutex
	file     os.FileInfo // the open file, from fstat at open
	size     int64       // largest size seen: bbolt never shrinks its file
	broken   error
	failAt   time.Time
	failErr  error
	failing  bool
	fatal    chan struct{}
	fatalSet bool
}

func newStoreState(path string, file os.FileInfo, log *slog.Logger) *storeState {
	return &storeState{path: path, file: file, size: file.Size(), log: log, fatal: make(chan struct{})}
}

func (s *storeState) health() StoreHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StoreHealth{Broken: s.broken, LastFailure: s.failAt, LastError: s.failErr, Failing: s.failing}
}

// brokenErr is the sticky error, nil while there is none.
func (s *storeState) brokenErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.broken
}

// markBroken makes err the reason of every later write's failure, logging
// it once: the first reason stays.
func (s *storeState) markBroken(err error) {
	s.mu.Lock()
	first := s.broken == nil
	if first {
		s.broken = err
	}
	s.mu.Unlock()
	if first {
		s.log.Error("store: refusing every write until serve is restarted", "path", s.path, "error", err)
	}
	if errors.Is(err, ErrUnmapped) {
		s.mu.Lock()
		if !s.fatalSet {
			s.fatalSet = true
			close(s.fatal)
		}
		s.mu.Unlock()
	}
}

// committed records the outcome of one commit (nil: it worked).
func (s *storeState) committed(err error, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.failing = false
		return
	}
	s.failAt, s.failErr, s.failing = now, err, true
}

// checkFile compares the path with the open file: the same inode on the
// same device, no smaller than it was. One stat; it runs before each group
// commit and on a timer. A difference breaks the store for good.
func (s *storeState) checkFile() error {
	if err := s.brokenErr(); err != nil {
		return err
	}
	fi, err := os.Stat(s.path)
	var bad error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		bad = fmt.Errorf("%w: %s was deleted (restore it, or restart serve to start a new store)", ErrStoreChanged, s.path)
	case err != nil:
		// Not a verdict on the file (a directory permission, an I/O
		// error): this commit fails, the next one looks again.
		return fmt.Errorf("check store file: %w", err)
	case !os.SameFile(fi, s.file):
		bad = fmt.Errorf("%w: %s is now another file (replaced or restored while serve ran; restart serve to use it)", ErrStoreChanged, s.path)
	default:
		s.mu.Lock()
		size := s.size
		if fi.Size() > size {
			s.size = fi.Size()
		}
		s.mu.Unlock()
		if fi.Size() >= size {
			return nil
		}
		bad = fmt.Errorf("%w: %s was truncated from %d to %d bytes", ErrStoreChanged, s.path, size, fi.Size())
	}
	s.markBroken(bad)
	return bad
}

// watch checks the file every interval until stop is closed, so that a
// quiet gateway notices a deleted store too (and /healthz says so).
func (s *storeState) watch(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if s.brokenErr() == nil {
				_ = s.checkFile()
			}
		}
	}
}
