// Package dovecotrun starts a real Dovecot IMAP server for tests: one
// instance per test, on a free loopback port, with a passwd-file user and a
// Maildir in the test's temporary folder. `make deps` (.ci/install-peers)
// installs Dovecot; a test that needs it fails, never skips, when it is
// missing.
package dovecotrun

import (
	"bytes"
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"text/template"
	"time"
)

//go:embed testdata/dovecot.conf.tmpl
var confTemplate string

// Server is one running Dovecot.
type Server struct {
	Addr     string // 127.0.0.1:port
	User     string
	Password string
	// Maildir is the user's INBOX folder (with new/, cur/, tmp/).
	Maildir string

	t        testing.TB
	dir      string
	conf     string
	uid, gid int
	seq      atomic.Int64
}

const (
	mailUser = "suporte@acme.com.br"
	mailPass = "segredo"
)

func binary(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s is not installed: run `make deps` (.ci/install-peers installs dovecot-imapd)", name)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Start runs a Dovecot for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, User: mailUser, Password: mailPass}
	// Dovecot refuses root as the mail user: as root, mail belongs to
	// nobody; otherwise to whoever runs the tests.
	uname, gname := "nobody", "nogroup"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		uname, gname = u.Username, g.Name
	}
	u, err := user.Lookup(uname)
	if err != nil {
		t.Fatalf("dovecot mail user %s: %v", uname, err)
	}
	g, err := user.LookupGroup(gname)
	if err != nil {
		t.Fatalf("dovecot mail group %s: %v", gname, err)
	}
	s.uid, _ = strconv.Atoi(u.Uid)
	s.gid, _ = strconv.Atoi(g.Gid)
	dir, err := os.MkdirTemp("", "dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	t.Cleanup(func() { s.Stop(); os.RemoveAll(dir) })
	// The mail user must reach the Maildir: every folder on the way is
	// traversable.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.Maildir = filepath.Join(dir, "mail", mailUser)
	for _, d := range []string{"", "new", "cur", "tmp"} {
		p := filepath.Join(s.Maildir, d)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		s.chown(p)
	}
	s.chown(filepath.Join(dir, "mail"))
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(mailUser+":{PLAIN}"+mailPass+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Addr = freeAddr(t)
	_, port, _ := net.SplitHostPort(s.Addr)
	var conf bytes.Buffer
	err = template.Must(template.New("conf").Parse(confTemplate)).Execute(&conf, map[string]string{
		"Dir": dir, "Port": port, "User": uname, "Group": gname,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.conf = filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(s.conf, conf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start()
	return s
}

func (s *Server) chown(p string) {
	if os.Geteuid() == 0 {
		if err := os.Chown(p, s.uid, s.gid); err != nil {
			s.t.Fatal(err)
		}
	}
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start launches the daemon (it forks into the background) and waits
// until it answers on its port.
func (s *Server) start() {
	s.t.Helper()
	// The daemon forks and keeps its standard streams: give it a file,
	// never a pipe to wait on.
	out, err := os.Create(filepath.Join(s.dir, "start.out"))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(binary(s.t, "dovecot"), "-c", s.conf)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	out.Close()
	if err != nil {
		msg, _ := os.ReadFile(out.Name())
		s.t.Fatalf("start dovecot: %v\n%s\n%s", err, msg, s.log())
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("dovecot does not answer on %s: %v\n%s", s.Addr, err, s.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	return string(b)
}

// Stop stops the daemon and waits until its master process is gone.
func (s *Server) Stop() {
	pidData, err := os.ReadFile(filepath.Join(s.dir, "run", "master.pid"))
	if err != nil {
		return // not running
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidData)))
	stop := exec.Command(binary(s.t, "doveadm"), "-c", s.conf, "stop")
	stop.Stdout, stop.Stderr = nil, nil // /dev/null: no pipe to wait on
	_ = stop.Run()
	deadline := time.Now().Add(10 * time.Second)
	for pid > 0 && syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	os.Remove(filepath.Join(s.dir, "run", "master.pid"))
	// Connections end with the master; wait for the port to be free.
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart starts the daemon again on the same port and Maildir.
func (s *Server) Restart() { s.start() }

// Deliver puts a message in the INBOX the way an MDA does: written in
// tmp/, then renamed into new/, where Dovecot finds it.
func (s *Server) Deliver(t testing.TB, raw []byte) {
	t.Helper()
	name := fmt.Sprintf("%d.M%dP%d.test", time.Now().Unix(), s.seq.Add(1), os.Getpid())
	tmp := filepath.Join(s.Maildir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s.chown(tmp)
	if err := os.Rename(tmp, filepath.Join(s.Maildir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// Flags counts the INBOX's messages and those marked \Seen, from the
// Maildir's file names (cur/NAME:2,FLAGS).
func (s *Server) Flags(t testing.TB) (total, seen int) {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(s.Maildir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			total++
			if _, flags, ok := strings.Cut(e.Name(), ":2,"); ok && strings.Contains(flags, "S") {
				seen++
			}
		}
	}
	return total, seen
}

// Folder counts the messages of another folder (Maildir++ .NAME).
func (s *Server) Folder(t testing.TB, name string) int {
	t.Helper()
	n := 0
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(s.Maildir, "."+name, sub))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n += len(entries)
	}
	return n
}
