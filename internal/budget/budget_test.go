package budget

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBoundsBytesAndJobs: many concurrent jobs never hold more than the
// budget's bytes or slots at once, and all of them finish.
func TestBoundsBytesAndJobs(t *testing.T) {
	b, err := New(100, 3)
	if err != nil {
		t.Fatal(err)
	}
	var bytes, jobs, maxBytes, maxJobs atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cost := int64(10 + i%50)
			release, err := b.Acquire(context.Background(), cost)
			if err != nil {
				t.Error(err)
				return
			}
			nb, nj := bytes.Add(cost), jobs.Add(1)
			for v := maxBytes.Load(); nb > v && !maxBytes.CompareAndSwap(v, nb); v = maxBytes.Load() {
			}
			for v := maxJobs.Load(); nj > v && !maxJobs.CompareAndSwap(v, nj); v = maxJobs.Load() {
			}
			bytes.Add(-cost)
			jobs.Add(-1)
			release()
			release() // twice is harmless
		}()
	}
	wg.Wait()
	if maxBytes.Load() > 100 || maxJobs.Load() > 3 {
		t.Fatalf("held %d bytes and %d jobs at once, budget is 100 and 3", maxBytes.Load(), maxJobs.Load())
	}
	if u, j := b.InUse(); u != 0 || j != 0 {
		t.Fatalf("after all released: %d bytes, %d jobs in use", u, j)
	}
}

// TestWaitIsBounded: a job that cannot get its cost before its context
// ends gets ErrBusy and takes nothing; the next one is served once the
// budget frees up.
func TestWaitIsBounded(t *testing.T) {
	b, _ := New(100, 10)
	hold, err := b.Acquire(context.Background(), 80)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 50); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("over budget past the deadline: %v, want ErrBusy and DeadlineExceeded", err)
	}
	if u, j := b.InUse(); u != 80 || j != 1 {
		t.Fatalf("the timed-out waiter left %d bytes / %d jobs in use, want 80 / 1", u, j)
	}
	got := make(chan error)
	go func() {
		release, err := b.Acquire(context.Background(), 50)
		if err == nil {
			release()
		}
		got <- err
	}()
	waitQueued(t, b, 1)
	hold()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// TestFirstComeFirstServed: a large job at the head of the queue is not
// overtaken by small ones that would fit, so it cannot starve.
func TestFirstComeFirstServed(t *testing.T) {
	b, _ := New(100, 10)
	hold, _ := b.Acquire(context.Background(), 60)
	order := make(chan string, 2)
	bigDone := make(chan struct{})
	go func() {
		release, err := b.Acquire(context.Background(), 90)
		if err != nil {
			t.Error(err)
		}
		order <- "big"
		release()
		close(bigDone)
	}()
	waitQueued(t, b, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 10); !errors.Is(err, ErrBusy) {
		t.Fatalf("a small job overtook the waiting large one: %v", err)
	}
	hold()
	<-bigDone
	if got := <-order; got != "big" {
		t.Fatal(got)
	}
}

// TestOversizedRunsAlone: a cost above the whole budget is clamped, so the
// job runs once the budget is empty instead of waiting forever.
func TestOversizedRunsAlone(t *testing.T) {
	b, _ := New(100, 10)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	release, err := b.Acquire(ctx, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := b.InUse(); u != 100 {
		t.Fatalf("in use %d, want the whole budget", u)
	}
	release()
}

// TestNilAdmitsAll: a nil budget is no bound.
func TestNilAdmitsAll(t *testing.T) {
	var b *Budget
	release, err := b.Acquire(context.Background(), 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	release()
}

func TestNewRefusesNonsense(t *testing.T) {
	if _, err := New(0, 1); err == nil {
		t.Fatal("zero bytes accepted")
	}
	if _, err := New(1, 0); err == nil {
		t.Fatal("zero slots accepted")
	}
}

// waitQueued waits until n jobs wait in b's queue.
func waitQueued(t *testing.T, b *Budget, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		l := b.Waiting()
		if l >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting, want %d", l, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSlotsCap: jobs beyond the count wait even when bytes are left.
func TestSlotsCap(t *testing.T) {
	b, _ := New(1000, 3)
	for range 3 {
		if _, err := b.Acquire(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 1); !errors.Is(err, ErrBusy) {
		t.Fatalf("a fourth job with three slots: %v, want ErrBusy", err)
	}
}

// TestTimedOutHeadLetsOthersIn: when the job at the head of the queue
// gives up, the ones behind it that fit are admitted at once.
func TestTimedOutHeadLetsOthersIn(t *testing.T) {
	b, _ := New(100, 10)
	hold, _ := b.Acquire(context.Background(), 60)
	defer hold()
	ctx, cancel := context.WithCancel(context.Background())
	headDone := make(chan error)
	go func() {
		_, err := b.Acquire(ctx, 50)
		headDone <- err
	}()
	waitQueued(t, b, 1)
	behind := make(chan error)
	go func() {
		release, err := b.Acquire(context.Background(), 30)
		if err == nil {
			release()
		}
		behind <- err
	}()
	waitQueued(t, b, 2)
	cancel()
	if err := <-headDone; !errors.Is(err, ErrBusy) {
		t.Fatal(err)
	}
	select {
	case err := <-behind:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the job behind a head that gave up was not admitted")
	}
}
