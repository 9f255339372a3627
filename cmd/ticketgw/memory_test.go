package main

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
)

// TestLimitHeapFollowsTheBaseline: the soft memory limit is the budget
// plus what is live while no job is in flight (a large store's search
// index must not make the collector run without pause), and a reading
// taken while a job holds the budget is no baseline.
func TestLimitHeapFollowsTheBaseline(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	mem, err := budget.New(16<<20, 4)
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel() // limitHeap sets the limit once, then returns

	index := make([]byte, 64<<20) // stands for a large store's index
	for i := range index {
		index[i] = byte(i)
	}
	runtime.GC()
	limitHeap(done, 16<<20, mem, time.Hour)
	if got := debug.SetMemoryLimit(-1); got < 16<<20+64<<20 {
		t.Errorf("limit %d MiB with 64 MiB live and a 16 MiB budget: the collector would run without pause", got>>20)
	}
	runtime.KeepAlive(index)

	release, err := mem.Acquire(context.Background(), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	debug.SetMemoryLimit(math.MaxInt64)
	limitHeap(done, 16<<20, mem, time.Hour)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit set to %d MiB while a job held the budget", got>>20)
	}
}
