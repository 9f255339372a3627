package mailin

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestWatchdogCountsSilenceNotLength: a command whose answer keeps coming
// (a large FETCH on a slow line) is not cut however long it takes; once the
// bytes stop, the connection is closed after the bound and the error says
// what was waiting.
func TestWatchdogCountsSilenceNotLength(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	w, conn := watchConn(client)
	const bound = 150 * time.Millisecond
	readErr := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		readErr <- err
	}()
	w.arm("fetch", bound)
	start := time.Now()
	var lastByte time.Time
	for time.Since(start) < 4*bound { // a trickle: a byte every bound/3
		if _, err := server.Write([]byte{'x'}); err != nil {
			t.Fatalf("closed while bytes were arriving, after %s: %v", time.Since(start), err)
		}
		lastByte = time.Now()
		time.Sleep(bound / 3)
	}
	select {
	case <-readErr:
	case <-time.After(10 * bound):
		t.Fatal("a silent server was not cut")
	}
	if d := time.Since(lastByte); d < bound-10*time.Millisecond {
		t.Errorf("cut %s after the last byte, before the bound %s", d, bound)
	}
	w.disarm()
	if err := w.explain(nil); !errors.Is(err, errServerSilent) || err.Error() != "server stopped answering: nothing for 150ms in fetch; connection closed" {
		t.Errorf("explain: %v", err)
	}
}

// TestWatchdogDisarmed: between commands (the poller ingesting what it
// received), silence is no fault.
func TestWatchdogDisarmed(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	w, _ := watchConn(client)
	w.arm("search", 50*time.Millisecond)
	w.disarm()
	time.Sleep(150 * time.Millisecond)
	if err := w.explain(nil); err != nil {
		t.Fatalf("disarmed watchdog fired: %v", err)
	}
	go server.Write([]byte("x"))
	buf := make([]byte, 1)
	if _, err := client.Read(buf); err != nil {
		t.Fatalf("connection closed while disarmed: %v", err)
	}
}
