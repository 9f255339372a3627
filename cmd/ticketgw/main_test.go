package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketgw/ticketgw/internal/corpus"
	"github.com/ticketgw/ticketgw/tickets"
)

const corpusDir = "../../testdata/mail"

// binary is the ticketgw command built once for the tests that run it as a
// process, the way an MTA pipe or an operator does.
var binary string

func TestMain(m *testing.M) {
	// deliver runs its store work in a child: this binary again.
	if os.Getenv(deliverChildEnv) != "" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "ticketgw-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "ticketgw")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build ticketgw: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// corpusConfig writes the corpus README's configuration with data in dir.
func corpusConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := fmt.Sprintf(`data_dir = %q
ticket_prefix = "SUP"
first_ticket_number = 1000
senders = "anyone"

[[address]]
email = "suporte@acme.com.br"
name = "Suporte Acme"
department = "Suporte"
type = "support"

[[address]]
email = "bugs@acme.com.br"
department = "Suporte"
type = "bug"

[[address]]
email = "melhorias@acme.com.br"
department = "Produto"
type = "improvement"

[[address]]
email = "financeiro@acme.com.br"
department = "Financeiro"
type = "support"

[smtp]
listen = ""

[web]
listen = ""
`, filepath.Join(dir, "data"))
	path := filepath.Join(dir, "ticketgw.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	createStore(t, filepath.Join(dir, "data"))
	return path
}

// createStore makes the empty store a first serve would make in dataDir:
// the other commands refuse to start one.
func createStore(t *testing.T, dataDir string) string {
	t.Helper()
	path := filepath.Join(dataDir, storeFile)
	st, err := tickets.Open(path, tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

type runResult struct {
	code           int
	stdout, stderr string
}

func runBinary(t *testing.T, stdin []byte, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return runResult{code, out.String(), errb.String()}
}

// TestDeliverCorpus pipes every corpus message through the deliver binary,
// as an MTA would, and checks its JSON line and the tickets it made with
// `tickets show -json`: the same verdicts as the in-process corpus test.
func TestDeliverCorpus(t *testing.T) {
	cases, err := corpus.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := corpusConfig(t, t.TempDir())
	for _, c := range cases {
		raw, err := c.Raw(corpusDir)
		if err != nil {
			t.Fatal(err)
		}
		r := runBinary(t, raw, "deliver", "-config", cfg, "-rcpt", "suporte@acme.com.br")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", c.File, r.code, r.stderr)
		}
		var got struct{ Outcome, Ticket, Reason string }
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("%s: output %q is not one JSON line: %v", c.File, r.stdout, err)
		}
		if got.Outcome != c.Expect || got.Ticket != c.Ticket || got.Reason != c.Reason {
			t.Errorf("%s: %+v, want %s %s %s", c.File, got, c.Expect, c.Ticket, c.Reason)
			continue
		}
		if !strings.Contains(r.stderr, "outcome="+c.Expect) {
			t.Errorf("%s: no log line with the outcome: %q", c.File, r.stderr)
		}
		if c.Expect != "created" && c.Expect != "appended" {
			continue
		}
		show := runBinary(t, nil, "tickets", "show", "-config", cfg, "-json", c.Ticket)
		var d tickets.TicketDetail
		if err := json.Unmarshal([]byte(show.stdout), &d); err != nil {
			t.Fatalf("%s: tickets show: %v %s", c.File, err, show.stderr)
		}
		if c.Expect == "created" && (d.Subject != c.Subject || string(d.Type) != c.Type || d.Department != c.Department || d.Requester != c.From) {
			t.Errorf("%s: ticket %+v", c.File, d.Ticket)
		}
		m := d.Messages[len(d.Messages)-1]
		if m.MessageID != "" && (!strings.HasPrefix(m.MessageID, "<") || !strings.HasSuffix(m.MessageID, ">")) {
			t.Errorf("%s: message_id %q is not written as <id>", c.File, m.MessageID)
		}
		var kept, refused []corpus.StoredAttachment
		for _, a := range m.Attachments {
			kept = append(kept, corpus.StoredAttachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
		}
		for _, a := range m.Rejected {
			refused = append(refused, corpus.StoredAttachment{Filename: a.Filename, Reason: a.Reason})
		}
		for _, e := range append(c.CheckText(m.Text), c.CheckAttachments(kept, refused)...) {
			t.Errorf("%s: %s", c.File, e)
		}
	}
	list := runBinary(t, nil, "tickets", "list", "-config", cfg, "-json", "-status", "open")
	var all []map[string]any
	if err := json.Unmarshal([]byte(list.stdout), &all); err != nil {
		t.Fatalf("tickets list -json: %v %q", err, list.stdout)
	}
	if len(all) != 15 {
		t.Errorf("tickets list -json: %d open tickets, want 15", len(all))
	}
	for _, k := range []string{"key", "subject", "status", "type", "department", "requester", "assignee", "created_at", "updated_at"} {
		if _, ok := all[0][k]; !ok {
			t.Errorf("tickets list -json lacks %q", k)
		}
	}
	if _, ok := all[0]["messages"]; ok {
		t.Errorf("tickets list -json has messages")
	}
}

// TestDeliverUnparseable: empty or binary input is held with its bytes and
// acknowledged (exit 0), never dropped nor retried forever.
func TestDeliverUnparseable(t *testing.T) {
	cfg := corpusConfig(t, t.TempDir())
	for _, in := range [][]byte{nil, {0xff, 0x00, 0x13}} {
		r := runBinary(t, in, "deliver", "-config", cfg)
		if r.code != 0 || !strings.Contains(r.stdout, `{"outcome":"held","ticket":"","reason":"unparseable"}`) {
			t.Errorf("input %q: exit %d %q %q", in, r.code, r.stdout, r.stderr)
		}
	}
}

// TestBadConfigExit78: a bad configuration is exit 78 for the commands,
// and for deliver 75 with the enhanced status code 4.3.5 first, so that an
// MTA pipe defers the mail instead of bouncing it to the customer.
func TestBadConfigExit78(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.toml")
	os.WriteFile(path, []byte("[[address]]\nemail = \"a@b.com\"\ndepartment = \"X\"\ntype = \"bugs\"\n"), 0o600)
	unreadable := filepath.Join(dir, "unreadable.toml")
	os.WriteFile(unreadable, []byte("ticket_prefix = \"SUP\"\n"), 0o600)
	for _, c := range []struct{ cfg, first, detail string }{
		{path, `4.3.5 ticketgw: bad configuration, mail deferred until it is fixed: address[0].type: "bugs" is not one of bug, support, improvement` + "\n", "config " + path + ": address[0].type"},
		{filepath.Join(dir, "missing.toml"), "4.3.5 ticketgw: bad configuration, mail deferred until it is fixed: cannot read the configuration file: no such file or directory\n", "missing.toml"},
		{dir, "4.3.5 ticketgw: bad configuration, mail deferred until it is fixed: cannot read the configuration file: is a directory\n", dir},
	} {
		r := runBinary(t, []byte("From: a@b\r\n\r\nx"), "deliver", "-config", c.cfg, "-from", "a@b", "-rcpt", "a@b.com")
		if r.code != 75 || !strings.HasPrefix(r.stderr, c.first) || !strings.Contains(r.stderr, c.detail) || r.stdout != "" {
			t.Errorf("deliver -config %s: exit %d, stdout %q, stderr %q", c.cfg, r.code, r.stdout, r.stderr)
		}
	}
	for _, args := range [][]string{{"serve", "-config", path}, {"config", "-config", path}, {"tickets", "list", "-config", path}} {
		r := runBinary(t, []byte("From: a@b\r\n\r\nx"), args...)
		if r.code != 78 || !strings.Contains(r.stderr, `address[0].type: "bugs" is not one of bug, support, improvement`) {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	r := runBinary(t, nil, "config", "-config", filepath.Join(dir, "missing.toml"))
	if r.code != 78 {
		t.Errorf("missing config file: exit %d", r.code)
	}
}

func TestConfigPrintsDefaults(t *testing.T) {
	r := runBinary(t, nil, "config")
	for _, want := range []string{`data_dir = "./ticketgw-data"`, `email = "support@localhost"`, `listen = "127.0.0.1:2525"`, `ticket_prefix = "SUP"`} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("config output lacks %s (exit %d):\n%s", want, r.code, r.stdout)
		}
	}
}

// TestServeHoldsStore delivers a message, starts serve, checks that its
// outbox worker writes the confirmation to the dir transport, that the
// commands say within a second or two that the store is held (exit 75)
// while deliver hands its message to serve (no listener configured), and
// that SIGTERM stops serve cleanly so the store opens again.
func TestServeHoldsStore(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	raw, err := os.ReadFile(filepath.Join(corpusDir, "001-gmail-novo-chamado.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, raw, "deliver", "-config", cfg); r.code != 0 {
		t.Fatalf("deliver: %d %s", r.code, r.stderr)
	}
	cmd := exec.Command(binary, "serve", "-config", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	ready := false
	for lines.Scan() {
		if strings.Contains(lines.Text(), "msg=serving") {
			ready = true
			break
		}
	}
	if !ready {
		t.Fatal("serve never said it was serving")
	}
	go func() {
		for lines.Scan() {
		}
	}()
	var sent []string
	for deadline := time.Now().Add(10 * time.Second); len(sent) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		sent, _ = filepath.Glob(filepath.Join(dir, "data", "outbox", "*.eml"))
	}
	if len(sent) != 1 {
		t.Fatalf("serve wrote %d outgoing messages, want the confirmation", len(sent))
	}
	if data, _ := os.ReadFile(sent[0]); !bytes.Contains(data, []byte("[SUP-1000]")) || !bytes.Contains(data, []byte("Auto-Submitted: auto-replied")) {
		t.Errorf("confirmation:\n%s", data)
	}
	start := time.Now()
	r := runBinary(t, nil, "tickets", "list", "-config", cfg)
	if r.code != 75 || !strings.Contains(r.stderr, "in use by another ticketgw process") {
		t.Errorf("tickets list while serve runs: exit %d, %q", r.code, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("tickets list took %v to give up", d)
	}
	// With no listener at all, deliver hands its message to serve.
	r = runBinary(t, []byte("From: a@b.com\r\nTo: suporte@acme.com.br\r\nSubject: x\r\n\r\nbody\r\n"), "deliver", "-config", cfg)
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"outcome":"created","ticket":"SUP-1001","reason":""}` {
		t.Errorf("deliver while serve runs: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	r = runBinary(t, []byte("From: a@b.com\r\nTo: suporte@acme.com.br\r\nSubject: y\r\n\r\nbody\r\n"), "deliver", "-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, `"outcome":"created","ticket":"SUP-1002"`) {
		t.Errorf("deliver after serve stopped: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestDeliverTooLarge(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("[smtp]\n"), []byte("[smtp]\nmax_message_bytes = 1000\n"), 1), 0o600)
	r := runBinary(t, bytes.Repeat([]byte("x"), 2000), "deliver", "-config", cfg)
	if r.code != 65 || !strings.Contains(r.stdout, `"outcome":"rejected"`) {
		t.Errorf("too large: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestCustomersCommand(t *testing.T) {
	cfg := corpusConfig(t, t.TempDir())
	if r := runBinary(t, nil, "customers", "add", "-config", cfg, "Maria@Cliente.com.br", "Maria", "Silva"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.stderr)
	}
	r := runBinary(t, nil, "customers", "list", "-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "maria@cliente.com.br") || !strings.Contains(r.stdout, "Maria Silva") {
		t.Fatalf("list: %d %q", r.code, r.stdout)
	}
	if r := runBinary(t, nil, "customers", "remove", "-config", cfg, "maria@cliente.com.br"); r.code != 0 {
		t.Fatalf("remove: %d %s", r.code, r.stderr)
	}
	if r := runBinary(t, nil, "customers", "remove", "-config", cfg, "maria@cliente.com.br"); r.code != 1 {
		t.Fatalf("remove again: %d", r.code)
	}
	if r := runBinary(t, nil, "customers", "add", "-config", cfg, "not an address"); r.code != 64 {
		t.Fatalf("bad address: %d", r.code)
	}
}

// TestRevokeLinksAndRotateSecretCommands: `customers revoke-links` raises
// the address's link version and `secret rotate` keeps the previous
// secret for the grace asked for.
func TestRevokeLinksAndRotateSecretCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	if r := runBinary(t, nil, "customers", "list", "-config", cfg); r.code != 0 { // makes the store
		t.Fatalf("list: %d %s", r.code, r.stderr)
	}
	for i := 1; i <= 2; i++ {
		r := runBinary(t, nil, "customers", "revoke-links", "-config", cfg, "Maria@Cliente.com.br")
		if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("links of maria@cliente.com.br revoked (link version %d)", i)) {
			t.Fatalf("revoke-links %d: %d %q %s", i, r.code, r.stdout, r.stderr)
		}
	}
	if r := runBinary(t, nil, "secret", "rotate", "-config", cfg, "-grace", "-1d"); r.code != 64 {
		t.Errorf("negative grace: exit %d", r.code)
	}
	before := time.Now()
	if r := runBinary(t, nil, "secret", "rotate", "-config", cfg, "-grace", "2d"); r.code != 0 || !strings.Contains(r.stdout, "secret rotated") {
		t.Fatalf("rotate: %d %q %s", r.code, r.stdout, r.stderr)
	}
	st, err := tickets.Open(filepath.Join(dir, "data", "ticketgw.db"), tickets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(context.Background(), func(v tickets.View) error {
		keys, err := v.LinkKeys()
		if err != nil {
			return err
		}
		if len(keys.Previous) != 32 || string(keys.Previous) == string(keys.Current) {
			t.Errorf("no previous secret after rotate: %+v", keys)
		}
		if d := keys.PreviousUntil.Sub(before); d < 47*time.Hour || d > 49*time.Hour {
			t.Errorf("grace ends %v after the rotation, want 2 days", d)
		}
		if ver, err := v.LinkVersion("maria@cliente.com.br"); err != nil || ver != 2 {
			t.Errorf("link version %d %v, want 2", ver, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
