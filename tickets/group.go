package tickets

import (
	"errors"

	bolt "go.etcd.io/bbolt"
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
type committer struct {
	db      *bolt.DB
	calls   chan *call // unbuffered: a call sent is a call that will be answered
	quit    chan struct{}
	stopped chan struct{}
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, calls: make(chan *call), quit: make(chan struct{}), stopped: make(chan struct{})}
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
func (c *committer) commit(batch []*call) {
	for len(batch) > 0 {
		failed := -1
		var failErr error
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, x := range batch {
				if err := x.fn(tx); err != nil {
					failed, failErr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, x := range batch {
				x.done <- err // nil, or the commit itself failed for all
			}
			return
		}
		batch[failed].done <- failErr
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}
