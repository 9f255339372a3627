package tickets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size (mount(8) size= syntax) on a new
// directory and unmounts it at the end (tests run as root, as in CI).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (tests need root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

func remount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v %s", dir, opts, err, out)
	}
}

// seeded makes a closed store with n tickets in path.
func seeded(t *testing.T, path string, n int) {
	t.Helper()
	st, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		create(t, st, fmt.Sprintf("c%d@example.com", i))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesMissingAndEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "ticketgw.db")
	for _, opts := range []Options{{MustExist: true}, {ReadOnly: true}} {
		if _, err := Open(path, opts); !errors.Is(err, ErrNoStore) {
			t.Errorf("%+v on a missing file: %v, want ErrNoStore", opts, err)
		}
		if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%+v made the directory: %v", opts, err)
		}
	}
	st, err := Open(path, Options{})
	if err != nil || !st.Created() {
		t.Fatalf("default open of a missing file: %v, created %v", err, st != nil && st.Created())
	}
	st.Close()
	st = openTest(t, path, Options{MustExist: true})
	if st.Created() {
		t.Error("an existing store reported as created")
	}
	st.Close()

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []Options{{}, {MustExist: true}, {ReadOnly: true}, {Verify: true}} {
		_, err := Open(empty, opts)
		if !errors.Is(err, ErrEmptyStore) || !strings.Contains(err.Error(), empty) {
			t.Errorf("%+v on a zero-length file: %v, want ErrEmptyStore naming the file", opts, err)
		}
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("the zero-length file was written: %v %v", fi, err)
	}
}

// TestReadOnlyOpenOnReadOnlyFilesystem: listing works on a snapshot or a
// read-only mount, where a read-write open fails.
func TestReadOnlyOpenOnReadOnlyFilesystem(t *testing.T) {
	dir := mountTmpfs(t, "16m")
	path := filepath.Join(dir, "ticketgw.db")
	seeded(t, path, 3)
	remount(t, dir, "ro")
	if st, err := Open(path, Options{MustExist: true}); err == nil {
		st.Close()
		t.Fatal("read-write open worked on a read-only filesystem: the test shows nothing")
	}
	st := openTest(t, path, Options{ReadOnly: true})
	var n int
	err := st.View(context.Background(), func(v View) error {
		list, err := v.Tickets(Filter{})
		n = len(list)
		return err
	})
	if err != nil || n != 3 {
		t.Fatalf("read-only store: %d tickets, %v", n, err)
	}
	if err := st.Update(context.Background(), func(tx Tx) error { return nil }); err == nil {
		t.Error("Update on a read-only store worked")
	}
}

// TestStoreNoticesItsFileChanged: once the path no longer names the open
// file, no write commits (so nothing is acknowledged), and health says why.
func TestStoreNoticesItsFileChanged(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"deleted": func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		},
		"replaced": func(t *testing.T, path string) {
			other := path + ".new"
			seeded(t, other, 1)
			if err := os.Rename(other, path); err != nil {
				t.Fatal(err)
			}
		},
		"emptied": func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ticketgw.db")
			st := openTest(t, path, Options{CheckInterval: -1})
			create(t, st, "before@example.com")
			if h := st.Health(); !h.OK() {
				t.Fatalf("healthy store: %+v", h)
			}
			change(t, path)
			for i := range 3 {
				err := st.Update(context.Background(), func(tx Tx) error {
					tk := Ticket{Subject: "s", Type: TypeSupport, Requester: "after@example.com"}
					return tx.CreateTicket(&tk, &Message{Direction: DirIn, From: "after@example.com", MessageID: fmt.Sprintf("<after-%d>", i)})
				})
				if !errors.Is(err, ErrStoreChanged) {
					t.Fatalf("write %d after the file was %s: %v, want ErrStoreChanged", i, name, err)
				}
			}
			h := st.Health()
			if !errors.Is(h.Broken, ErrStoreChanged) || h.OK() {
				t.Errorf("health after the file was %s: %+v", name, h)
			}
		})
	}
}

// TestStoreWatchNoticesWithoutWrites: a quiet store sees its file deleted
// on its timer, so that health says so before any mail comes.
func TestStoreWatchNoticesWithoutWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticketgw.db")
	st := openTest(t, path, Options{CheckInterval: 10 * time.Millisecond})
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.Health().Broken == nil {
		if time.Now().After(deadline) {
			t.Fatal("the watch did not notice the deleted file within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !errors.Is(st.Health().Broken, ErrStoreChanged) {
		t.Errorf("health: %+v", st.Health())
	}
}

// TestCommitFailureIsReportedAndPasses: a full disk fails commits and
// health says so with the error; once there is room again the store takes
// writes without a restart and health clears.
func TestCommitFailureIsReportedAndPasses(t *testing.T) {
	dir := mountTmpfs(t, "1m")
	path := filepath.Join(dir, "ticketgw.db")
	st := openTest(t, path, Options{CheckInterval: -1})
	big := bytes.Repeat([]byte("x"), 256<<10)
	put := func(i int) error {
		return st.Update(context.Background(), func(tx Tx) error {
			return tx.RecordInbound(&Inbound{Outcome: Held}, big, fmt.Sprintf("k%d", i))
		})
	}
	var err error
	i := 0
	for ; i < 20 && err == nil; i++ {
		err = put(i)
	}
	if err == nil {
		t.Fatal("5 MB fit on a 1 MB tmpfs")
	}
	h := st.Health()
	if !h.Failing || h.LastFailure.IsZero() || h.LastError == nil || h.Broken != nil {
		t.Fatalf("health after a failed commit: %+v", h)
	}
	remount(t, dir, "size=64m")
	if err := put(i); err != nil {
		t.Fatalf("write after the disk grew: %v", err)
	}
	if h := st.Health(); !h.OK() || h.LastError == nil {
		t.Errorf("health after the store recovered: %+v (the last failure is kept, not failing)", h)
	}
}

// corruptCopies makes, from a store with some tickets, one truncated to
// half and one with the type byte of every data page flipped: two of the
// fault report's corruptions that made bbolt panic.
func corruptCopies(t *testing.T) (truncated, flipped string) {
	t.Helper()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	seeded(t, good, 60)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt grows the file ahead of its pages (by 16 MiB with the store's
	// large map): cut the zeros after the last page, so that half the file
	// is half the data.
	data = data[:(len(bytes.TrimRight(data, "\x00"))+4095)/4096*4096]
	truncated = filepath.Join(dir, "truncated.db")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	flip := bytes.Clone(data)
	for off := 2 * 4096; off+8 < len(flip); off += 4096 {
		flip[off+8] ^= 0xff
	}
	flipped = filepath.Join(dir, "flipped.db")
	if err := os.WriteFile(flipped, flip, 0o600); err != nil {
		t.Fatal(err)
	}
	return truncated, flipped
}

// TestCorruptStoreIsAnErrorNotAPanic: Verify (serve) and a read-only open
// with a view (the reading commands) give ErrCorrupt; a panic would end
// the test binary.
func TestCorruptStoreIsAnErrorNotAPanic(t *testing.T) {
	truncated, flipped := corruptCopies(t)
	for _, path := range []string{truncated, flipped} {
		name := filepath.Base(path)
		if st, err := Open(path, Options{Verify: true}); !errors.Is(err, ErrCorrupt) {
			if st != nil {
				st.Close()
			}
			t.Errorf("%s, Verify: %v, want ErrCorrupt", name, err)
		}
		st, err := Open(path, Options{ReadOnly: true})
		if err == nil {
			err = st.View(context.Background(), func(v View) error {
				_, err := v.Tickets(Filter{})
				return err
			})
			if _, serr := st.Search(context.Background(), Query{}); !errors.Is(serr, ErrCorrupt) {
				t.Errorf("%s: search: %v, want ErrCorrupt", name, serr)
			}
			if errors.Is(err, ErrCorrupt) && !errors.Is(st.Health().Broken, ErrCorrupt) {
				t.Errorf("%s: a panic in a view did not break the store: %+v", name, st.Health())
			}
			st.Close()
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s, read-only: %v, want ErrCorrupt", name, err)
		}
	}
}
