package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ticketgw/ticketgw/tickets"
)

// check runs bbolt's consistency check and the store's own invariants on
// the store of a config and prints what it finds: "ok" and exit 0, or one
// problem a line and exit 65. A store that cannot even be opened for being
// corrupt is a problem too; one held by serve is exit 75 (for now the
// check needs serve stopped).
func (e *env) check(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("check", e.stderr)
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw check [-config FILE]"); !ok {
		return exitUsage
	}
	cfg, code := e.loadConfig(*cfgPath)
	if cfg == nil {
		return code
	}
	path := filepath.Join(cfg.DataDir, storeFile)
	return e.checkFile(ctx, path, func() (*tickets.BoltStore, error) {
		return e.tryOpenStore(cfg, 0, storeCheck, nil)
	})
}

// checkFile opens a store with open and checks it, printing the verdict
// for path.
func (e *env) checkFile(ctx context.Context, path string, open func() (*tickets.BoltStore, error)) int {
	st, err := open()
	switch {
	case errors.Is(err, tickets.ErrCorrupt):
		fmt.Fprintf(e.stdout, "%s: corrupt: %v\n", path, err)
		return exitDataErr
	case errors.Is(err, tickets.ErrLocked):
		fmt.Fprintf(e.stderr, "ticketgw: %v (stop `ticketgw serve` to check it)\n", err)
		return exitTempFail
	case err != nil:
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitTempFail
	}
	defer st.Close()
	problems, err := st.Check(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitTempFail
	}
	if len(problems) == 0 {
		fmt.Fprintf(e.stdout, "%s: ok\n", path)
		return exitOK
	}
	for _, p := range problems {
		fmt.Fprintf(e.stdout, "%s: %s\n", path, p)
	}
	return exitDataErr
}

// backup writes a consistent copy of the store to FILE (through a
// temporary file beside it, synced, then renamed: FILE is never half
// written), then checks the copy as `check` would. For now it needs serve
// stopped.
func (e *env) backup(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("backup", e.stderr)
	rest, ok := e.parseCommand(fs, args, 1, 1, "ticketgw backup [-config FILE] FILE")
	if !ok {
		return exitUsage
	}
	cfg, code := e.loadConfig(*cfgPath)
	if cfg == nil {
		return code
	}
	st, err := e.tryOpenStore(cfg, 0, storeCheck, nil)
	switch {
	case errors.Is(err, tickets.ErrCorrupt):
		fmt.Fprintf(e.stdout, "%s: corrupt: %v\n", filepath.Join(cfg.DataDir, storeFile), err)
		return exitDataErr
	case errors.Is(err, tickets.ErrLocked):
		fmt.Fprintf(e.stderr, "ticketgw: %v (stop `ticketgw serve` to back it up)\n", err)
		return exitTempFail
	case err != nil:
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitTempFail
	}
	target := rest[0]
	n, err := writeBackup(ctx, st, target)
	st.Close()
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: backup: %v\n", err)
		return exitCantCreate
	}
	fmt.Fprintf(e.stdout, "%s: %d bytes written\n", target, n)
	return e.checkFile(ctx, target, func() (*tickets.BoltStore, error) {
		return tickets.Open(target, tickets.Options{MustExist: true, ReadOnly: true, Verify: true})
	})
}

// writeBackup copies st into target through a synced temporary file.
func writeBackup(ctx context.Context, st *tickets.BoltStore, target string) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := st.Backup(ctx, f)
	if err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("close %s: %w", tmp, err)
	}
	done = true
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(tmp)
		return n, fmt.Errorf("rename into %s: %w", target, err)
	}
	if err := syncDir(filepath.Dir(target)); err != nil {
		return n, fmt.Errorf("sync %s: %w", filepath.Dir(target), err)
	}
	return n, nil
}

// compact rewrites the store on as few pages as its records need, giving
// the space of deleted records back to the disk: a compacted copy is made
// beside the store, checked, and renamed over it while this command still
// holds the store, so that no serve can start on the old file meanwhile.
// It needs serve stopped.
func (e *env) compact(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("compact", e.stderr)
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw compact [-config FILE]"); !ok {
		return exitUsage
	}
	cfg, st, code := e.openWith(*cfgPath, storeWrite)
	if st == nil {
		return code
	}
	defer st.Close()
	path := filepath.Join(cfg.DataDir, storeFile)
	f, err := os.CreateTemp(cfg.DataDir, "."+storeFile+".compact.*")
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: compact: %v\n", err)
		return exitCantCreate
	}
	tmp := f.Name()
	f.Close()
	keep := false
	defer func() {
		if !keep {
			os.Remove(tmp)
		}
	}()
	if err := st.CompactTo(ctx, tmp); err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitCantCreate
	}
	var checked bytes.Buffer
	if code := (&env{stdout: &checked, stderr: e.stderr}).checkFile(ctx, tmp, func() (*tickets.BoltStore, error) {
		return tickets.Open(tmp, tickets.Options{MustExist: true, ReadOnly: true, Verify: true})
	}); code != exitOK {
		fmt.Fprintf(e.stderr, "ticketgw: compact: the compacted copy did not check clean; the store is unchanged\n%s", checked.String())
		return code
	}
	before, _ := os.Stat(path)
	after, err := os.Stat(tmp)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(cfg.DataDir)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: compact: %v\n", err)
		return exitCantCreate
	}
	keep = true
	var was int64
	if before != nil {
		was = before.Size()
	}
	fmt.Fprintf(e.stdout, "%s: compacted from %d to %d bytes\n", path, was, after.Size())
	return exitOK
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
