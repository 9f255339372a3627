package tickets

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// errClosed is returned by Update after Close.
var errClosed = errors.New("store is closed")

// maxGroup bounds how many updates share one commit.
const maxGroup = 256

// call is one Update waiting for its group commit.
type call struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// committer runs every write of the store in one goroutine and commits
// together whatever updates arrived while the previous commit ran: group
// commit, as databases do. A lone writer commits at once (no waiting for
// company), and under load one fsync serves many emails.
//
// Before each group commit it checks that the path still names the open
// file (one stat per commit, not per email), and it records the outcome of
// each commit in state, so that health sees write failures as they happen.
type committer struct {
	db      *bolt.DB
	state   *storeState
	now     func() time.Time
	calls   chan *call // unbuffered: a call sent is a call that will be answered
	quit    chan struct{}
	stopped chan struct{}
}

func newCommitter(db *bolt.DB, state *storeState, now func() time.Time) *committer {
	c := &committer{db: db, state: state, now: now, calls: make(chan *call), quit: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// submit hands fn to the committer and waits for its commit.
func (c *committer) submit(fn func(*bolt.Tx) error) error {
	x := &call{fn: fn, done: make(chan error, 1)}
	select {
	case c.calls <- x:
		return <-x.done
	case <-c.quit:
		return errClosed
	}
}

func (c *committer) stop() {
	close(c.quit)
	<-c.stopped
}

func (c *committer) run() {
	defer close(c.stopped)
	for {
		var batch []*call
		select {
		case x := <-c.calls:
			batch = append(batch, x)
		case <-c.quit:
			return
		}
	collect:
		for len(batch) < maxGroup {
			select {
			case x := <-c.calls:
				batch = append(batch, x)
			default:
				break collect
			}
		}
		c.commit(batch)
	}
}

// commit runs the batch in one transaction. When one update fails, the
// transaction is rolled back, that update gets its error, and the others
// run again without it: each update commits or fails on its own.
//
// Nothing is written while the store is broken or its file changed: every
// update of the batch gets that error, so no email is acknowledged into a
// file that is gone.
func (c *committer) commit(batch []*call) {
	if err := c.state.checkFile(); err != nil {
		for _, x := range batch {
			x.done <- err
		}
		return
	}
	for len(batch) > 0 {
		failed := -1
		var failErr error
		err := c.update(func(tx *bolt.Tx) error {
			for i, x := range batch {
				if err := x.fn(tx); err != nil {
					failed, failErr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			c.committed(err)
			for _, x := range batch {
				x.done <- err // nil, or the commit itself failed for all
			}
			return
		}
		batch[failed].done <- failErr
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}

// update is db.Update with a panic (bbolt's assertion on a corrupt page)
// turned into an error that breaks the store, instead of a crash of the
// whole process.
func (c *committer) update(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
			c.state.markBroken(err)
		}
	}()
	return c.db.Update(fn)
}

// committed records a commit's own outcome. After a failure it asks bbolt
// whether the file is still mapped: a failed remap leaves the handle dead
// for good, unlike a full disk or a permission, which pass.
func (c *committer) committed(err error) {
	c.state.committed(err, c.now())
	if err == nil {
		return
	}
	if !errors.Is(err, bolterrors.ErrInvalidMapping) {
		err = c.db.View(func(*bolt.Tx) error { return nil })
	}
	if errors.Is(err, bolterrors.ErrInvalidMapping) {
		c.state.markBroken(fmt.Errorf("%w: %w", ErrUnmapped, err))
	}
}
