package main

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

	"github.com/ticketgw/ticketgw/tickets"
)

// storeCommands are the commands that work on the store, for a config:
// every one must refuse a store that is not there.
func storeCommands(cfg string) [][]string {
	return [][]string{
		{"tickets", "list", "-config", cfg}, {"tickets", "show", "-config", cfg, "SUP-1000"},
		{"customers", "list", "-config", cfg}, {"customers", "add", "-config", cfg, "a@example.com"},
		{"analyst", "list", "-config", cfg}, {"analyst", "token", "-config", cfg, "carla"},
		{"deliver", "-config", cfg, "-rcpt", "suporte@acme.com.br"},
	}
}

const storeTestMail = "From: ana@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: impressora\r\n\r\nnao imprime\r\n"

// TestCommandsRefuseMissingOrEmptyStore: no command but serve starts a
// store; a missing or zero-length file is exit 75 with words, deliver's
// output starting with 4.3.0 so that the MTA retries, and nothing is made.
func TestCommandsRefuseMissingOrEmptyStore(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	path := filepath.Join(dir, "data", storeFile)
	for _, state := range []string{"missing", "empty"} {
		if err := os.RemoveAll(filepath.Dir(path)); err != nil {
			t.Fatal(err)
		}
		if state == "empty" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		for _, args := range storeCommands(cfg) {
			r := runBinary(t, []byte(storeTestMail), args...)
			if r.code != exitTempFail || !strings.Contains(r.stderr, path) {
				t.Errorf("%s store, %v: exit %d %q", state, args, r.code, r.stderr)
			}
			if args[0] == "deliver" && !strings.HasPrefix(r.stderr, "4.3.0 ") {
				t.Errorf("%s store, deliver's output does not start with 4.3.0: %q", state, r.stderr)
			}
			fi, err := os.Stat(path)
			if state == "missing" && err == nil || state == "empty" && (err != nil || fi.Size() != 0) {
				t.Fatalf("%s store, %v made or wrote the file: %v %v", state, args, fi, err)
			}
		}
	}
	// serve refuses the empty file too, saying what to do.
	r := runBinary(t, nil, "serve", "-config", cfg)
	if r.code != exitTempFail || !strings.Contains(r.stderr, "empty") || !strings.Contains(r.stderr, "backup") {
		t.Errorf("serve on a zero-length store: exit %d %q", r.code, r.stderr)
	}
}

// TestServeCreatesStoreAndSaysSo: only serve starts a store on a fresh
// data_dir, and its log says so.
func TestServeCreatesStoreAndSaysSo(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	if err := os.RemoveAll(filepath.Join(dir, "data")); err != nil {
		t.Fatal(err)
	}
	p := mustStartServe(t, cfg)
	if !strings.Contains(p.log.tail(50), "created a new, empty store") {
		t.Errorf("serve on a fresh data_dir did not say it created a store:\n%s", p.log.tail(50))
	}
	if err := p.terminate(t); err != nil {
		t.Fatal(err)
	}
	p = mustStartServe(t, cfg)
	if strings.Contains(p.log.tail(50), "created a new") {
		t.Errorf("serve said it created the store it opened:\n%s", p.log.tail(50))
	}
}

// corruptStores makes, from a store with tickets, one truncated to half
// and one with the type byte of every data page flipped (fault report
// D5: bbolt panicked on both, and deliver exited 2).
func corruptStores(t *testing.T) map[string][]byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "good.db")
	st, err := tickets.Open(path, tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		err := st.Update(context.Background(), func(tx tickets.Tx) error {
			tk := tickets.Ticket{Subject: "s", Type: tickets.TypeSupport, Department: "Suporte", Requester: fmt.Sprintf("c%d@example.com", i)}
			return tx.CreateTicket(&tk, &tickets.Message{Direction: tickets.DirIn, From: tk.Requester, MessageID: fmt.Sprintf("<m%d@example.com>", i), Text: strings.Repeat("texto ", 200)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt grows the file ahead of its pages (by 16 MiB with the store's
	// large map): cut the zeros after the last page, so that half the file
	// is half the data.
	data = data[:(len(bytes.TrimRight(data, "\x00"))+4095)/4096*4096]
	flipped := bytes.Clone(data)
	for off := 2 * 4096; off+8 < len(flipped); off += 4096 {
		flipped[off+8] ^= 0xff
	}
	return map[string][]byte{"truncated": data[:len(data)/2], "flipped": flipped}
}

// TestCorruptStoreClearErrorNoPanic: serve, deliver and tickets on a
// corrupt store end with a clear error and no Go panic; deliver exits 75
// (with 4.3.0 first) so that Postfix defers instead of bouncing.
func TestCorruptStoreClearErrorNoPanic(t *testing.T) {
	for name, data := range corruptStores(t) {
		dir := t.TempDir()
		cfg := corpusConfig(t, dir)
		if err := os.WriteFile(filepath.Join(dir, "data", storeFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"serve", "-config", cfg}, {"deliver", "-config", cfg}, {"tickets", "list", "-config", cfg}, {"tickets", "show", "-config", cfg, "SUP-1001"}} {
			r := runBinary(t, []byte(storeTestMail), args...)
			for _, crash := range []string{"goroutine ", "panic:", "fatal error:", "\tgo.etcd.io/"} {
				if strings.Contains(r.stderr, crash) {
					t.Errorf("%s store, %v: Go crash output (%q):\n%s", name, args[:2], crash, r.stderr)
				}
			}
			if r.code != exitTempFail && !(args[0] == "tickets" && r.code == exitSoftware) {
				t.Errorf("%s store, %v: exit %d, want 75: %s", name, args[:2], r.code, r.stderr)
			}
			if args[0] == "deliver" && !strings.HasPrefix(r.stderr, "4.3.0 ") {
				t.Errorf("%s store, deliver's output does not start with 4.3.0: %q", name, r.stderr)
			}
			if !strings.Contains(r.stderr, "corrupt") && !strings.Contains(r.stderr, "store") {
				t.Errorf("%s store, %v: no clear error: %q", name, args[:2], r.stderr)
			}
		}
	}
}

// TestServeRefusesMailWhenStoreFileDeletedOrReplaced: serve answers 250
// before and 4xx after its file is deleted, then replaced (fault report
// D3: 10 mails acknowledged into an unlinked file), and logs one ERROR.
func TestServeRefusesMailWhenStoreFileDeletedOrReplaced(t *testing.T) {
	for _, change := range []string{"deleted", "replaced"} {
		t.Run(change, func(t *testing.T) {
			dir := t.TempDir()
			cfg := corpusConfig(t, dir)
			addr := freePort(t)
			withListener(t, cfg, addr, false)
			p := mustStartServe(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			mail := func(i int) string {
				return fmt.Sprintf("From: c%d@cliente.com.br\r\nTo: suporte@acme.com.br\r\nMessage-ID: <%s-%d@cliente.com.br>\r\nSubject: pedido %d\r\n\r\ntexto\r\n", i, change, i, i)
			}
			if _, err := sendOne(ctx, addr, "c0@cliente.com.br", mail(0), nil); err != nil {
				t.Fatalf("before: %v", err)
			}
			path := filepath.Join(dir, "data", storeFile)
			if change == "deleted" {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			} else {
				other := createStore(t, t.TempDir())
				if out, err := exec.Command("mv", other, path).CombinedOutput(); err != nil {
					t.Fatalf("mv: %v %s", err, out)
				}
			}
			for i := 1; i <= 3; i++ {
				reply, err := sendOne(ctx, addr, "c@cliente.com.br", mail(i), nil)
				if err == nil || !strings.Contains(err.Error(), "451") {
					t.Fatalf("mail %d after the store file was %s: %q %v, want 451", i, change, reply, err)
				}
			}
			p.kill()
			if n := strings.Count(p.log.tail(200), "level=ERROR msg=\"store: refusing every write"); n != 1 {
				t.Errorf("%d ERROR lines about the store, want 1:\n%s", n, p.log.tail(40))
			}
		})
	}
}

// TestReadCommandsOnReadOnlyFilesystem: listing commands work on a store
// on a read-only mount (a snapshot, a forensic copy).
func TestReadCommandsOnReadOnlyFilesystem(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	data := filepath.Join(dir, "data")
	if r := runBinary(t, []byte(storeTestMail), "deliver", "-config", cfg); r.code != 0 {
		t.Fatalf("deliver: %d %s", r.code, r.stderr)
	}
	if out, err := exec.Command("mount", "--bind", data, data).CombinedOutput(); err != nil {
		t.Fatalf("bind mount (tests run as root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", data).CombinedOutput(); err != nil {
			t.Errorf("umount: %v %s", err, out)
		}
	})
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", data).CombinedOutput(); err != nil {
		t.Fatalf("remount ro: %v %s", err, out)
	}
	if r := runBinary(t, nil, "customers", "add", "-config", cfg, "x@example.com"); r.code == 0 {
		t.Fatal("a write worked on the read-only mount: the test shows nothing")
	}
	for _, args := range [][]string{{"tickets", "list", "-config", cfg}, {"tickets", "show", "-config", cfg, "SUP-1000"}, {"customers", "list", "-config", cfg}, {"analyst", "list", "-config", cfg}} {
		if r := runBinary(t, nil, args...); r.code != 0 {
			t.Errorf("%v on a read-only mount: exit %d %s", args, r.code, r.stderr)
		}
	}
}

// TestServeExitsWhenStoreUnmapped: when bbolt fails to map the file again
// as it grows (D15: a filesystem remounted read-only left the handle dead,
// "database isn't correctly mapped", while serve ran on), serve exits
// non-zero with a clear line so that its supervisor restarts it. The
// failed remap is real: serve's address-space limit is lowered (prlimit)
// before a mail that must grow the map.
func TestServeExitsWhenStoreUnmapped(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	addr := freePort(t)
	withListener(t, cfg, addr, false)
	// The store starts on a small map, as bbolt's own default would, so
	// that a few mails make it grow.
	appendConfig(t, cfg, "\n[memory]\nstore_map_bytes = 1048576\n")
	// A collector that keeps the heap near what is live, so that serve's
	// own allocations fit in the room the limit leaves.
	t.Setenv("GOGC", "10")
	p := mustStartServe(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	mail := func(i, size int) string {
		line := strings.Repeat("texto longo ", 6) + "\r\n"
		return fmt.Sprintf("From: c%d@cliente.com.br\r\nTo: suporte@acme.com.br\r\nMessage-ID: <big-%d@cliente.com.br>\r\nSubject: grande %d\r\n\r\n%s", i, i, i, strings.Repeat(line, size/len(line)))
	}
	// Big mails grow the store's map to 64 MB or more. The limit then
	// leaves less room than the next map needs (at least twice the current
	// one, which is unmapped first) but nearly as much as that map for Go;
	// small mails (bbolt copies the values of the commit in hand to the
	// heap before it remaps) go on until one needs the bigger map.
	pid := p.cmd.Process.Pid
	n := 0
	for ; n < 8 && storeMapBytes(t, pid) < 64<<20; n++ {
		if _, err := sendOne(ctx, addr, "c@cliente.com.br", mail(n, 12<<20), nil); err != nil {
			t.Fatalf("mail %d: %v\n%s", n, err, p.log.tail(20))
		}
	}
	mapped := storeMapBytes(t, pid)
	limit := fmt.Sprint(vmBytes(t, pid) + mapped - 8<<20)
	if out, err := exec.Command("prlimit", "--pid", fmt.Sprint(pid), "--as="+limit+":"+limit).CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v %s", err, out)
	}
	for ; ; n++ {
		if n > 200 {
			t.Fatalf("200 mails and the map (%d bytes) never had to grow:\n%s", mapped, p.log.tail(20))
		}
		if _, err := sendOne(ctx, addr, "c@cliente.com.br", mail(n, 1<<20), nil); err != nil {
			break
		}
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("serve still runs on a dead store:\n%s", p.log.tail(20))
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) || ee.ExitCode() != exitSoftware {
		t.Errorf("serve ended with %v, want exit %d:\n%s", p.err, exitSoftware, p.log.tail(2000))
	}
	if log := p.log.tail(40); !strings.Contains(log, "store unusable until serve restarts") || strings.Contains(log, "goroutine ") {
		t.Errorf("no clear line, or a crash, in serve's log:\n%s", log)
	}
}

// storeMapBytes is the size of serve's mapping of its store file.
func storeMapBytes(t *testing.T, pid int) uint64 {
	t.Helper()
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	for line := range strings.SplitSeq(string(maps), "\n") {
		if !strings.HasSuffix(line, "/"+storeFile) {
			continue
		}
		var from, to uint64
		if _, err := fmt.Sscanf(line, "%x-%x", &from, &to); err == nil {
			total += to - from
		}
	}
	return total
}

// vmBytes is a process's address space (VmSize) in bytes.
func vmBytes(t *testing.T, pid int) uint64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &kb); err == nil {
				return kb << 10
			}
		}
	}
	t.Fatalf("no VmSize for %d", pid)
	return 0
}

// appendConfig adds TOML (a table the file does not have yet) to a config
// file.
func appendConfig(t *testing.T, cfg, toml string) {
	t.Helper()
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(toml); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
