package mailin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultSpoolAbove is the size past which an incoming message goes to a
// temporary file instead of memory: ordinary support mail (a few KB) never
// touches the disk.
const DefaultSpoolAbove = 1 << 20

// DefaultCostFactor is what ingesting a message costs in memory, as a
// multiple of its size (raw bytes, decoded parts and attachments, the
// store's page buffers at commit, garbage not yet collected): a little
// above the 3.5 bytes allocated per byte of the audit's 22 MB message that
// BenchmarkIngestMemory measures.
const DefaultCostFactor = 4

// ErrSpool marks a failure to write or read the temporary file of a large
// message: the gateway's problem, answered "try again later".
var ErrSpool = errors.New("spool")

// Spool is one incoming message, read whole before it is ingested: in
// memory when small, in an unlinked temporary file when large, so that a
// large message waiting for the memory budget costs no memory.
type Spool struct {
	mem  []byte
	f    *os.File
	size int64
}

// Size is the message's size in bytes.
func (s *Spool) Size() int64 { return s.size }

// Close removes the temporary file, if any.
func (s *Spool) Close() error {
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	err := s.f.Close()
	_ = os.Remove(name) // already gone where an open file can be unlinked
	s.f = nil
	return err
}

// ReadSpool reads r to its end. A read error is returned as it is (the
// caller maps a size limit or a broken line to its protocol's answer);
// a failure of the temporary file wraps ErrSpool.
func (g *Ingester) ReadSpool(r io.Reader) (*Spool, error) {
	limit := g.opts.SpoolAbove
	// As io.ReadAll did before: a small message costs what it weighs.
	head, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	n := int64(len(head))
	if n <= limit {
		return &Spool{mem: head, size: n}, nil
	}
	f, err := g.spoolFile()
	if err != nil {
		return nil, err
	}
	sp := &Spool{f: f}
	if _, err := f.Write(head); err != nil {
		sp.Close()
		return nil, fmt.Errorf("%w: write %s: %w", ErrSpool, f.Name(), err)
	}
	head = nil
	more, err := io.Copy(f, r)
	if err != nil {
		sp.Close()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%w: %w", ErrSpool, err)
		}
		return nil, err
	}
	sp.size = n + more
	return sp, nil
}

// spoolFile makes a temporary file in the spool directory and unlinks it
// at once where the system allows, so that a crash leaves nothing behind.
func (g *Ingester) spoolFile() (*os.File, error) {
	dir := g.opts.SpoolDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpool, err)
	}
	f, err := os.CreateTemp(dir, "incoming-*.eml")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpool, err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// Admit waits, within ctx, for the memory budget that ingesting size bytes
// needs; release gives it back. An error wraps budget.ErrBusy: the caller
// answers "try again later" and keeps the message unacknowledged.
func (g *Ingester) Admit(ctx context.Context, size int64) (release func(), err error) {
	release, err = g.opts.Budget.Acquire(ctx, size*int64(g.opts.CostFactor))
	if err != nil {
		return nil, fmt.Errorf("admit a message of %d bytes: %w", size, err)
	}
	return release, nil
}

// IngestSpool ingests a spooled message once the memory budget admits it:
// wait bounds only the wait for the budget (an error then wraps
// budget.ErrBusy); once admitted, the message is committed even if wait
// ends meanwhile.
func (g *Ingester) IngestSpool(wait context.Context, s *Spool, env Envelope) (Result, error) {
	release, err := g.Admit(wait, s.size)
	if err != nil {
		return Result{}, err
	}
	defer release()
	raw := s.mem
	if s.f != nil {
		raw = make([]byte, s.size)
		if _, err := s.f.ReadAt(raw, 0); err != nil {
			return Result{}, fmt.Errorf("%w: read %s back: %w", ErrSpool, s.f.Name(), err)
		}
	}
	return g.Ingest(context.Background(), raw, env)
}
