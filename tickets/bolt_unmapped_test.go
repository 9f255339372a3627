package tickets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// unmappedChildEnv runs TestStoreUnmappedIsFatal's child part.
const unmappedChildEnv = "TICKETGW_TEST_UNMAPPED_DIR"

// TestStoreUnmappedIsFatal: when bbolt cannot map its file again as it
// grows (the fault report's read-only remount: "database isn't correctly
// mapped" from then on, D15), the store says so on Fatal, so that serve
// exits and its supervisor starts it again. The failed remap is real: a
// child process lowers its own address-space limit before a commit that
// must grow the map. It runs in a child because the limit is per process.
func TestStoreUnmappedIsFatal(t *testing.T) {
	if dir := os.Getenv(unmappedChildEnv); dir != "" {
		unmappedChild(t, dir)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreUnmappedIsFatal$", "-test.count=1")
	cmd.Env = append(os.Environ(), unmappedChildEnv+"="+t.TempDir())
	out, err := cmd.CombinedOutput()
	t.Logf("child: %s", out)
	if err != nil || !strings.Contains(string(out), "unmapped: fatal") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func unmappedChild(t *testing.T, dir string) {
	st, err := Open(filepath.Join(dir, "ticketgw.db"), Options{CheckInterval: -1, MapBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(key string, n int) error {
		v := bytes.Repeat([]byte("x"), n)
		return st.Update(context.Background(), func(tx Tx) error {
			return tx.RecordInbound(&Inbound{Outcome: Held}, v, key)
		})
	}
	if err := put("a", 20<<20); err != nil {
		t.Fatal(err)
	}
	// Room in the heap for the big commit, so that only bbolt's new map
	// needs address space once the limit is down.
	junk := make([]byte, 600<<20)
	junk[len(junk)-1] = 1
	junk = nil
	runtime.GC()
	value := bytes.Repeat([]byte("y"), 48<<20)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &old); err != nil {
		t.Fatal(err)
	}
	limit := syscall.Rlimit{Cur: vmSize(t) + 24<<20, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &limit); err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx Tx) error {
		return tx.RecordInbound(&Inbound{Outcome: Held}, value, "b")
	})
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &old); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		t.Fatal("the commit that had to grow the map worked under the limit: the test shows nothing")
	}
	select {
	case <-st.Fatal():
	default:
		t.Fatalf("a failed remap (%v) did not make the store fatal: %+v", err, st.Health())
	}
	if !errors.Is(st.Health().Broken, ErrUnmapped) {
		t.Fatalf("health: %+v", st.Health())
	}
	if err := put("c", 10); err == nil {
		t.Fatal("a write worked on an unmapped store")
	}
	fmt.Println("unmapped: fatal after", err)
}

// vmSize is the process's address space in bytes (VmSize).
func vmSize(t *testing.T) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmSize in /proc/self/status")
	return 0
}
