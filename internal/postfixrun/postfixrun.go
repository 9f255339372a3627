// Package postfixrun starts a real, private Postfix for tests: its own
// config_directory, queue_directory and data_directory in the test's
// temporary folder, an SMTP port of its own on loopback and its log in a
// file, so that it never meets the system's Postfix (which `make deps`
// installs unconfigured: .ci/install-peers). Postfix needs root to start;
// a test that needs it fails, never skips, when it is missing or when it
// does not run as root.
package postfixrun

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options are what a test adds to the instance's configuration.
type Options struct {
	// Main is appended to main.cf (relay_domains, transport_maps, ...).
	Main string
	// Master is appended to master.cf (pipe services, ...).
	Master string
}

// Server is one running Postfix.
type Server struct {
	// Addr is the loopback host:port of its SMTP server.
	Addr string
	// ConfigDir is its config_directory, for `postfix -c` and `postqueue -c`.
	ConfigDir string
	// LogFile is its maillog_file.
	LogFile string

	t       testing.TB
	queue   string
	stopped bool
}

func binary(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s is not installed: run `make deps` (.ci/install-peers installs postfix)", name)
	return ""
}

// OpenDir makes dir and the folder above it (a t.TempDir() and its
// parent, which Go makes 0700) traversable by other users, as Postfix's
// own users and a pipe's user= must reach what is inside.
func OpenDir(t testing.TB, dir string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// Start runs a Postfix for the test and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("postfixrun: Postfix starts only as root (CI runs as root): run the tests as root")
	}
	postfix := binary(t, "postfix")
	binary(t, "postqueue")
	dir := t.TempDir()
	OpenDir(t, dir)
	s := &Server{
		t:         t,
		ConfigDir: filepath.Join(dir, "etc"),
		LogFile:   filepath.Join(dir, "maillog"),
		queue:     filepath.Join(dir, "queue"),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	ln.Close()
	// The queue's subfolders and data_directory are left for `postfix
	// start` to make: they must belong to mail_owner.
	for _, d := range []string{s.ConfigDir, s.queue} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	main := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %s
data_directory = %s
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-test
maillog_file = %s
maillog_file_prefixes = %s
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.postfixrun.test
mydomain = postfixrun.test
myorigin = postfixrun.test
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtp_dns_support_level = disabled
default_transport = error:nothing leaves a test Postfix
delay_warning_time = 0
%s`, s.queue, filepath.Join(dir, "data"), s.LogFile, dir, opts.Main)
	master := s.Addr + ` inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
lmtp      unix  - - n -  - lmtp
smtp      unix  - - n -  - smtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
` + opts.Master
	for name, text := range map[string]string{"main.cf": main, "master.cf": master} {
		if err := os.WriteFile(filepath.Join(s.ConfigDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(postfix, "-c", s.ConfigDir, "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, s.Log())
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix does not listen on %s: %v\n%s", s.Addr, err, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops Postfix and waits until its master process is gone.
func (s *Server) Stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	pid := s.masterPID()
	if out, err := exec.Command(binary(s.t, "postfix"), "-c", s.ConfigDir, "stop").CombinedOutput(); err != nil {
		s.t.Errorf("postfix stop: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(20 * time.Second); pid > 0 && syscall.Kill(pid, 0) == nil; {
		if time.Now().After(deadline) {
			s.t.Errorf("postfix master %d still runs after stop", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) masterPID() int {
	data, err := os.ReadFile(filepath.Join(s.queue, "pid", "master.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// Flush asks Postfix to try every queued message now (`postqueue -f`),
// deferred ones and dead destinations included. The pipe logs a deferral
// before the queue manager has moved the message to the deferred queue,
// and a flush in between misses it (it would wait for the next queue run,
// minutes away): Flush first waits, for a few seconds at most, until no
// message is still active.
func (s *Server) Flush() {
	s.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !slices.ContainsFunc(s.Queue(), func(e QueueEntry) bool { return e.QueueName == "active" || e.QueueName == "incoming" }) {
			break
		}
	}
	if out, err := exec.Command(binary(s.t, "postqueue"), "-c", s.ConfigDir, "-f").CombinedOutput(); err != nil {
		s.t.Fatalf("postqueue -f: %v\n%s", err, out)
	}
}

// QueueEntry is one message still in the queue (`postqueue -j`).
type QueueEntry struct {
	QueueName  string `json:"queue_name"`
	QueueID    string `json:"queue_id"`
	Sender     string `json:"sender"`
	Recipients []struct {
		Address     string `json:"address"`
		DelayReason string `json:"delay_reason"`
	} `json:"recipients"`
}

// Queue lists the messages still queued.
func (s *Server) Queue() []QueueEntry {
	s.t.Helper()
	out, err := exec.Command(binary(s.t, "postqueue"), "-c", s.ConfigDir, "-j").Output()
	if err != nil {
		s.t.Fatalf("postqueue -j: %v", err)
	}
	var list []QueueEntry
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var e QueueEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			s.t.Fatalf("postqueue -j line %q: %v", sc.Text(), err)
		}
		list = append(list, e)
	}
	return list
}

// Log is the instance's log so far.
func (s *Server) Log() string {
	data, _ := os.ReadFile(s.LogFile)
	return string(data)
}

// Delivery is one delivery attempt of one recipient, from the log.
type Delivery struct {
	QueueID   string
	MessageID string // without angle brackets
	To        string
	Relay     string
	DSN       string
	Status    string // sent, deferred, bounced, ...
	Text      string // what the delivery agent said, in parentheses
}

var (
	logMessageID = regexp.MustCompile(`\]: ([0-9A-F]+): message-id=<([^>]*)>`)
	logDelivery  = regexp.MustCompile(`\]: ([0-9A-F]+): to=<([^>]*)>,.* relay=([^,]*),.* dsn=([0-9.]+), status=(\w+) \((.*)\)$`)
)

// Deliveries parses the log into delivery attempts, oldest first.
func (s *Server) Deliveries() []Delivery {
	ids := map[string]string{}
	var list []Delivery
	for line := range strings.SplitSeq(s.Log(), "\n") {
		if m := logMessageID.FindStringSubmatch(line); m != nil {
			ids[m[1]] = m[2]
			continue
		}
		if m := logDelivery.FindStringSubmatch(line); m != nil {
			list = append(list, Delivery{QueueID: m[1], MessageID: ids[m[1]], To: m[2], Relay: m[3], DSN: m[4], Status: m[5], Text: m[6]})
		}
	}
	return list
}

// WaitFor polls the log until the attempts for the message with this
// Message-ID satisfy done, and returns them; it fails the test after
// timeout.
func (s *Server) WaitFor(messageID string, timeout time.Duration, done func([]Delivery) bool) []Delivery {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var mine []Delivery
		for _, d := range s.Deliveries() {
			if d.MessageID == messageID {
				mine = append(mine, d)
			}
		}
		if done(mine) {
			return mine
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("message <%s>: attempts %+v after %v\nlog:\n%s", messageID, mine, timeout, s.Log())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Count is a WaitFor condition: at least n attempts with this status.
func Count(status string, n int) func([]Delivery) bool {
	return func(ds []Delivery) bool {
		c := 0
		for _, d := range ds {
			if d.Status == status {
				c++
			}
		}
		return c >= n
	}
}
