package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// startServe runs the binary's serve with cfg and waits until it says it
// is serving; the returned function stops it with SIGTERM and checks that
// it exits cleanly.
func startServe(t *testing.T, cfg string) func() {
	t.Helper()
	cmd := exec.Command(binary, "serve", "-config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if strings.Contains(lines.Text(), "msg=serving") {
			go func() {
				for lines.Scan() {
				}
			}()
			return func() {
				cmd.Process.Signal(syscall.SIGTERM)
				if err := cmd.Wait(); err != nil {
					t.Errorf("serve after SIGTERM: %v", err)
				}
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatal("serve never said it was serving")
	return nil
}

// freePort returns a loopback address nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// withListener rewrites a corpusConfig file to run the SMTP (or LMTP)
// listener on addr.
func withListener(t *testing.T, cfg, addr string, lmtp bool) {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	repl := "[smtp]\nlisten = \"" + addr + "\"\n"
	if lmtp {
		repl += "lmtp = true\n"
	}
	data = bytes.Replace(data, []byte("[smtp]\nlisten = \"\"\n"), []byte(repl), 1)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDeliverHandsOffToServe: while serve holds the store, deliver hands
// its message to serve's listener (SMTP and LMTP) and prints the same JSON
// line; the -from of a bounce (empty) is honoured.
func TestDeliverHandsOffToServe(t *testing.T) {
	for _, lmtp := range []bool{false, true} {
		name := map[bool]string{false: "smtp", true: "lmtp"}[lmtp]
		t.Run(name, func(t *testing.T) {
			cfg := corpusConfig(t, t.TempDir())
			withListener(t, cfg, freePort(t), lmtp)
			stop := startServe(t, cfg)
			raw, err := os.ReadFile(filepath.Join(corpusDir, "003-thunderbird-bugs-novo.eml"))
			if err != nil {
				t.Fatal(err)
			}
			r := runBinary(t, raw, "deliver", "-config", cfg, "-rcpt", "bugs@acme.com.br")
			if r.code != 0 || strings.TrimSpace(r.stdout) != `{"outcome":"created","ticket":"SUP-1000","reason":""}` {
				t.Errorf("hand-off: exit %d %q %q", r.code, r.stdout, r.stderr)
			}
			r = runBinary(t, raw, "deliver", "-config", cfg)
			if r.code != 0 || strings.TrimSpace(r.stdout) != `{"outcome":"duplicate","ticket":"SUP-1000","reason":""}` {
				t.Errorf("hand-off of a redelivery: exit %d %q %q", r.code, r.stdout, r.stderr)
			}
			r = runBinary(t, []byte("From: robo@x.com\r\nTo: suporte@acme.com.br\r\nSubject: aviso\r\n\r\nx\r\n"), "deliver", "-config", cfg, "-from", "")
			if r.code != 0 || !strings.Contains(r.stdout, `"outcome":"ignored"`) {
				t.Errorf("hand-off with an empty -from: exit %d %q %q", r.code, r.stdout, r.stderr)
			}
			stop()
			show := runBinary(t, nil, "tickets", "show", "-config", cfg, "-json", "SUP-1000")
			if show.code != 0 || !strings.Contains(show.stdout, `"type":"bug"`) {
				t.Errorf("after the hand-off: %d %s", show.code, show.stdout)
			}
		})
	}
}
