package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeSIGHUPReloads: SIGHUP never stops serve; a valid file applies
// log.level at once and names the sections that wait for a restart; a bad
// file changes nothing and says why.
func TestServeSIGHUPReloads(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := mustStartServe(t, cfg)
	waitLog := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(p.log.tail(50), want) {
				return
			}
			select {
			case <-p.done:
				t.Fatalf("serve ended (%v) waiting for %q:\n%s", p.err, want, p.log.tail(50))
			default:
			}
		}
		t.Fatalf("no %q in serve's log:\n%s", want, p.log.tail(50))
	}
	hup := func(text string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	hup(string(good) + "\n[log]\nlevel = \"debug\"\n\n[attachments]\nmax_bytes = 1048576\n")
	waitLog(`msg=reloaded`)
	waitLog(`log_level=debug`)
	waitLog(`take effect at the next restart" changed=[attachments]`)
	hup(string(good) + "\n[log]\nlevel = \"loud\"\n")
	waitLog(`reload: configuration refused, nothing changed`)
	if err := p.terminate(t); err != nil {
		t.Fatalf("serve after two reloads: %v\n%s", err, p.log.tail(50))
	}
}
