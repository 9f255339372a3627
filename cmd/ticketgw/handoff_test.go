package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
)

// startServe runs the binary's serve with cfg and waits until it says it
// is serving; the returned function stops it with SIGTERM and checks that
// it exits cleanly.
func startServe(t *testing.T, cfg string) func() {
	t.Helper()
	return startServeCmd(t, exec.Command(binary, "serve", "-config", cfg))
}

// startServeCmd is startServe for a command the caller prepared (as
// another user, say).
func startServeCmd(t *testing.T, cmd *exec.Cmd) func() {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), "msg=serving") {
			go func() {
				for lines.Scan() {
				}
			}()
			stop := func() {
				if cmd.ProcessState != nil {
					return // stopped already, or killed and waited for
				}
				cmd.Process.Signal(syscall.SIGTERM)
				if err := cmd.Wait(); err != nil {
					t.Errorf("serve after SIGTERM: %v", err)
				}
			}
			t.Cleanup(stop)
			return stop
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatalf("serve never said it was serving:\n%s", strings.Join(seen, "\n"))
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
	repl := "[smtp]\nlisten = \"" + addr + "\"\n"
	if lmtp {
		repl += "lmtp = true\n"
	}
	editConfig(t, cfg, "[smtp]\nlisten = \"\"\n", repl)
}

// editConfig replaces old by new in a config file.
func editConfig(t *testing.T, cfg, old, new string) {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("config %s has no %q", cfg, old)
	}
	data = bytes.Replace(data, []byte(old), []byte(new), 1)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// storedInbound lists every inbound record of a store that no process
// holds, with the SHA-256 of the raw bytes it kept.
func storedInbound(t *testing.T, dataDir string) []tickets.Inbound {
	t.Helper()
	st, err := tickets.Open(filepath.Join(dataDir, storeFile), tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var all []tickets.Inbound
	err = st.View(context.Background(), func(v tickets.View) error {
		for _, o := range []tickets.Outcome{tickets.Created, tickets.Appended, tickets.Duplicate, tickets.Ignored, tickets.Held} {
			list, err := v.InboundList(o)
			if err != nil {
				return err
			}
			for _, in := range list {
				id := in.ID
				if in.RawOf != 0 {
					id = in.RawOf
				}
				raw, err := v.Raw(id)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(raw)
				if hex.EncodeToString(sum[:]) != in.SHA256 {
					t.Errorf("inbound %d: raw bytes do not match their SHA-256", in.ID)
				}
				all = append(all, in)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b tickets.Inbound) int { return int(a.ID) - int(b.ID) })
	return all
}

// handoffCase is one message given to deliver with its arguments.
type handoffCase struct {
	name string
	args []string
	raw  []byte
}

// handoffCases are messages that direct ingest takes and the old SMTP
// hand-off refused or changed (security audit D7), recipients and null
// senders in the forms Postfix passes them.
func handoffCases() []handoffCase {
	long := "From: ana@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: linha longa\r\nMessage-ID: <long@cliente.com.br>\r\n\r\n" +
		strings.Repeat("palavra ", 1000) + "\r\n"
	// LF-only, about 19,000 bytes of a 20,000 limit in 1,900 lines: with
	// a CR added to each line it would be over the limit.
	var lf strings.Builder
	lf.WriteString("From: lia@cliente.com.br\nTo: bugs@acme.com.br\nSubject: so LF\nMessage-ID: <lf@cliente.com.br>\n\n")
	for lf.Len() < 19000 {
		lf.WriteString("linha de log 0123\n")
	}
	plain := func(from, to, subject, id string) []byte {
		return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n\r\nOla, preciso de ajuda.\r\n")
	}
	return []handoffCase{
		{"alias recipient", []string{"-from", "rui@cliente.com.br", "-rcpt", "ajuda@acme.com.br"},
			plain("rui@cliente.com.br", "ajuda@acme.com.br", "pelo alias", "alias@cliente.com.br")},
		{"quoted local part", []string{"-from", `"joao silva"@cliente.com.br`, "-rcpt", "suporte@acme.com.br"},
			plain(`"joao silva"@cliente.com.br`, "suporte@acme.com.br", "aspas", "quoted@cliente.com.br")},
		{"line over 2000 bytes", []string{"-rcpt", "suporte@acme.com.br"}, []byte(long)},
		{"CR-only", []string{"-rcpt", "melhorias@acme.com.br"},
			[]byte("From: cr@cliente.com.br\rTo: melhorias@acme.com.br\rSubject: so CR\rMessage-ID: <cr@cliente.com.br>\r\rtexto\r")},
		{"LF-only near the limit", []string{"-rcpt", "bugs@acme.com.br"}, []byte(lf.String())},
		{"two recipients repeated", []string{"-from", "rui@cliente.com.br", "-rcpt", "financeiro@acme.com.br", "-rcpt", "suporte+SUP-1000@acme.com.br"},
			plain("rui@cliente.com.br", "financeiro@acme.com.br", "segue", "two@cliente.com.br")},
		{"two recipients as arguments", []string{"-from", "rui@cliente.com.br", "-rcpt", "outro@acme.com.br", "bugs@acme.com.br"},
			plain("rui@cliente.com.br", "undisclosed-recipients:;", "por bcc", "bcc@cliente.com.br")},
		{"null sender empty", []string{"-from", "", "-rcpt", "suporte@acme.com.br"},
			plain("robo@cliente.com.br", "suporte@acme.com.br", "aviso 1", "null1@cliente.com.br")},
		{"null sender MAILER-DAEMON", []string{"-from", "MAILER-DAEMON", "-rcpt", "suporte@acme.com.br"},
			plain("robo@cliente.com.br", "suporte@acme.com.br", "aviso 2", "null2@cliente.com.br")},
		{"null sender <>", []string{"-from", "<>", "-rcpt", "suporte@acme.com.br"},
			plain("robo@cliente.com.br", "suporte@acme.com.br", "aviso 3", "null3@cliente.com.br")},
		{"redelivery", []string{"-rcpt", "suporte@acme.com.br"}, []byte(long)},
	}
}

// TestDeliverHandOffSameAsDirect delivers the same messages into a store
// that deliver opens itself and into one that a running serve holds (with
// no TCP listener: only the hand-off socket): the JSON lines, exit codes
// and stored records (bytes included) are the same.
func TestDeliverHandOffSameAsDirect(t *testing.T) {
	direct := t.TempDir()
	directCfg := corpusConfig(t, direct)
	editConfig(t, directCfg, "[smtp]\n", "[smtp]\nmax_message_bytes = 20000\n")
	served := t.TempDir()
	servedCfg := corpusConfig(t, served)
	editConfig(t, servedCfg, "[smtp]\n", "[smtp]\nmax_message_bytes = 20000\n")
	stop := startServe(t, servedCfg)
	defer stop()
	sock := filepath.Join(served, "data", handoffDir, handoffSock)
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("hand-off socket: %v %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Dir(sock)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("hand-off socket folder: %v %v", fi, err)
	}
	for _, c := range handoffCases() {
		want := runBinary(t, c.raw, append([]string{"deliver", "-config", directCfg}, c.args...)...)
		got := runBinary(t, c.raw, append([]string{"deliver", "-config", servedCfg}, c.args...)...)
		if want.code != 0 || !strings.HasPrefix(want.stdout, `{"outcome":`) {
			t.Errorf("%s: direct: exit %d %q %q", c.name, want.code, want.stdout, want.stderr)
		}
		if got.code != want.code || got.stdout != want.stdout {
			t.Errorf("%s: with serve: exit %d %q %q; direct: exit %d %q", c.name, got.code, got.stdout, got.stderr, want.code, want.stdout)
		}
		if strings.HasPrefix(c.name, "null sender") && !strings.Contains(got.stdout, `"outcome":"ignored"`) {
			t.Errorf("%s: %q, want ignored", c.name, got.stdout)
		}
	}
	stop()
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("the socket outlived serve: %v", err)
	}
	want, got := storedInbound(t, filepath.Join(direct, "data")), storedInbound(t, filepath.Join(served, "data"))
	if len(got) != len(handoffCases()) || len(got) != len(want) {
		t.Fatalf("%d records with serve, %d direct, want %d", len(got), len(want), len(handoffCases()))
	}
	for i := range got {
		w, g := want[i], got[i]
		if g.Source != "deliver" || g.SHA256 != w.SHA256 || g.Size != w.Size || g.Recipient != w.Recipient ||
			g.Outcome != w.Outcome || g.Ticket != w.Ticket || g.Reason != w.Reason || g.From != w.From {
			t.Errorf("record %d: with serve %+v\ndirect %+v", i, g, w)
		}
	}
	// What the cases must have become, whichever way they went in.
	outcomes := []string{}
	for _, in := range got {
		outcomes = append(outcomes, string(in.Outcome)+" "+in.Ticket)
	}
	wantOutcomes := []string{"created SUP-1000", "created SUP-1001", "created SUP-1002", "created SUP-1003", "created SUP-1004",
		"appended SUP-1000", "created SUP-1005", "ignored ", "ignored ", "ignored ", "duplicate SUP-1002"}
	if !slices.Equal(outcomes, wantOutcomes) {
		t.Errorf("outcomes %q\nwant %q", outcomes, wantOutcomes)
	}
	show := runBinary(t, nil, "tickets", "show", "-config", servedCfg, "-json", "SUP-1005")
	if show.code != 0 || !strings.Contains(show.stdout, `"type":"bug"`) {
		t.Errorf("a Bcc'd message routes by its second envelope recipient: %d %s", show.code, show.stdout)
	}
}

// TestDeliverHandOffOwnDataDir: deliver reaches the serve of its own
// data_dir only, never a TCP listener, not even the one its own config
// names (operator trial §1: another instance listened there); a socket
// left by a serve that crashed neither stops deliver (it opens the store)
// nor the next serve (it replaces the socket).
func TestDeliverHandOffOwnDataDir(t *testing.T) {
	other := t.TempDir()
	otherCfg := corpusConfig(t, other)
	otherAddr := freePort(t)
	withListener(t, otherCfg, otherAddr, false)
	mine := t.TempDir()
	cfg := corpusConfig(t, mine)
	withListener(t, cfg, otherAddr, false)
	stopOther := startServe(t, otherCfg)
	defer stopOther()
	msg := []byte("From: ana@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: minha\r\n\r\nx\r\n")
	if r := runBinary(t, msg, "deliver", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, `"created","ticket":"SUP-1000"`) {
		t.Fatalf("deliver with another instance on its listen address: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Even with its own store held by another command, deliver does not
	// turn to that listener: it defers.
	st, err := tickets.Open(filepath.Join(mine, "data", storeFile), tickets.Options{Prefix: "SUP"})
	if err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, msg, "deliver", "-config", cfg)
	st.Close()
	if r.code != 75 {
		t.Errorf("deliver with its store held: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	stopOther()
	if got := storedInbound(t, filepath.Join(other, "data")); len(got) != 0 {
		t.Errorf("another instance got %d messages", len(got))
	}
	editConfig(t, cfg, "listen = \""+otherAddr+"\"", "listen = \""+freePort(t)+"\"")

	// A serve killed at once leaves its socket behind.
	cmd := exec.Command(binary, "serve", "-config", cfg)
	startServeCmd(t, cmd)
	cmd.Process.Kill()
	cmd.Wait()
	sock := filepath.Join(mine, "data", handoffDir, handoffSock)
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("no stale socket after a kill: %v", err)
	}
	msg2 := []byte("From: ana@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: depois do crash\r\n\r\ny\r\n")
	if r := runBinary(t, msg2, "deliver", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, `"created","ticket":"SUP-1001"`) {
		t.Fatalf("deliver beside a stale socket: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	stop := startServe(t, cfg)
	msg3 := []byte("From: ana@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: [SUP-1001] de novo\r\n\r\nz\r\n")
	if r := runBinary(t, msg3, "deliver", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, `"appended","ticket":"SUP-1001"`) {
		t.Errorf("deliver to the serve that replaced a stale socket: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	stop()
}

// TestDeliverStoreHeldWithoutServe: when another command holds the store
// and no serve answers, deliver asks the MTA to retry (75) and says why.
func TestDeliverStoreHeldWithoutServe(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := tickets.Open(filepath.Join(dir, "data", storeFile), tickets.Options{Prefix: "SUP"})
	if err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, []byte("From: a@b.com\r\nTo: suporte@acme.com.br\r\nSubject: x\r\n\r\nx\r\n"), "deliver", "-config", cfg)
	st.Close()
	if r.code != 75 || !strings.HasPrefix(r.stderr, "4.3.0 ") || !strings.Contains(r.stderr, "in use by another ticketgw process") ||
		!strings.Contains(r.stderr, "no serve answers") || r.stdout != "" {
		t.Errorf("deliver with the store held by a command: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}
