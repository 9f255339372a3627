package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestServeHoldsFloodAndServes is the shown test: a client holds
// 2,000 idle SMTP connections and 2,000 half-sent POSTs (headers sent,
// body incomplete) from 200 loopback addresses against one serve, and a
// real SMTP client (the local MTA, on a trusted address) and a real HTTP
// GET are still served within a second.
//
// serve runs with 3,500 file descriptors (soft limit 1,024, which it
// raises): without the connection caps the flood takes them all and
// nothing new is accepted. With smtp.max_connections = 1000, strangers get
// 900 SMTP slots (a tenth is the trusted networks' reserve) and the rest
// are refused with 421 before any session.
func TestServeHoldsFloodAndServes(t *testing.T) {
	const flood, sources = 2000, 200 // 10 per source address
	const strangerSlots = 900        // smtp.max_connections less its tenth
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			t.Fatal(err)
		}
	}
	if rl.Cur < 2*flood+500 {
		t.Fatalf("RLIMIT_NOFILE %d: this test needs %d descriptors", rl.Cur, 2*flood+500)
	}
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	smtpAddr, webAddr := freePort(t), freePort(t)
	editConfig(t, cfg, "[smtp]\nlisten = \"\"\n", fmt.Sprintf(`[smtp]
listen = %q
max_connections = 1000
trusted_networks = ["127.0.0.1/32"]
`, smtpAddr))
	// The web flood comes from loopback, which serve exempts from the
	// per-IP cap (a reverse proxy): only the total cap applies to it here,
	// set above the flood; TestWebConnectionCaps checks the per-IP cap.
	editConfig(t, cfg, "[web]\nlisten = \"\"\n", fmt.Sprintf("[web]\nlisten = %q\nmax_connections = 2200\n", webAddr))
	cmd := exec.Command("sh", "-c", `ulimit -Sn 1024 && ulimit -Hn 3500 && exec "$0" serve -config "$1"`, binary, cfg)
	stop := startServeCmd(t, cmd)
	defer stop()
	if limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", cmd.Process.Pid)); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(string(limits), "Max open files            3500                 3500") {
		t.Errorf("serve did not raise its soft file limit to the hard one:\n%s", limits)
	}

	src := func(i int) string { return fmt.Sprintf("127.0.0.%d", 2+i%sources) }
	var mu sync.Mutex
	var held []net.Conn
	smtpHeld, smtpRefused := 0, 0
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	flooded := time.Now()
	errs := make(chan error, 2*flood)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range work {
				c, accepted, err := floodConn(src(i), smtpAddr, webAddr, i < flood)
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				held = append(held, c)
				if i < flood && accepted {
					smtpHeld++
				} else if i < flood {
					smtpRefused++
				}
				mu.Unlock()
			}
		})
	}
	for i := range 2 * flood {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("the client holds %d connections after %v: SMTP %d greeted, %d refused with 421",
		len(held), time.Since(flooded).Round(time.Millisecond), smtpHeld, smtpRefused)
	if smtpHeld != strangerSlots || smtpRefused != flood-strangerSlots {
		t.Errorf("SMTP flood: %d greeted and %d refused, want %d and %d", smtpHeld, smtpRefused, strangerSlots, flood-strangerSlots)
	}
	// The POSTs get no answer to wait for: watch serve's descriptors
	// until it has accepted them all.
	want, fds := strangerSlots+flood, 0
	for deadline := time.Now().Add(5 * time.Second); fds < want && time.Now().Before(deadline); {
		list, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		if fds = len(list); fds < want {
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("serve has %d open file descriptors after %v", fds, time.Since(flooded).Round(time.Millisecond))
	if fds < want {
		t.Fatalf("serve holds %d descriptors, fewer than the %d connections it admitted", fds, want)
	}

	// A real SMTP client from the trusted address, and a real HTTP GET,
	// each served within a second.
	start := time.Now()
	conn, err := dialFrom("127.0.0.1", smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	cl := smtp.NewClient(conn)
	raw := "From: c@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: during the flood\r\n\r\nstill here\r\n"
	if err := cl.SendMail("c@cliente.com.br", []string{"suporte@acme.com.br"}, strings.NewReader(raw)); err != nil {
		t.Fatalf("SMTP from the trusted address during the flood: %v", err)
	}
	cl.Quit()
	t.Logf("SMTP message from the trusted address served in %v", time.Since(start).Round(time.Microsecond))
	if d := time.Since(start); d > time.Second {
		t.Errorf("SMTP took %v during the flood, want under 1s", d)
	}
	start = time.Now()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + webAddr + "/healthz")
	if err != nil {
		t.Fatalf("GET during the flood: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t.Logf("GET /healthz served in %v", time.Since(start).Round(time.Microsecond))
	if d := time.Since(start); resp.StatusCode != 200 || d > time.Second {
		t.Errorf("GET /healthz during the flood: %d after %v, want 200 under 1s", resp.StatusCode, d)
	}
}

func dialFrom(from, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return d.Dial("tcp", addr)
}

// floodConn opens one flood connection from the given address: an SMTP
// session that got its greeting (accepted) or a 421 (refused) and says
// nothing more, or a POST whose headers are sent and whose body never ends.
func floodConn(from, smtpAddr, webAddr string, isSMTP bool) (c net.Conn, accepted bool, err error) {
	if isSMTP {
		c, err := dialFrom(from, smtpAddr)
		if err != nil {
			return nil, false, err
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.SetReadDeadline(time.Time{})
		switch {
		case err == nil && strings.HasPrefix(line, "220 "):
			return c, true, nil
		case err == nil && strings.HasPrefix(line, "421 4.7.0"):
			return c, false, nil
		}
		c.Close()
		return nil, false, fmt.Errorf("flood SMTP connection from %s: %q %v", from, line, err)
	}
	c, err = dialFrom(from, webAddr)
	if err != nil {
		return nil, false, err
	}
	_, err = io.WriteString(c, "POST /login HTTP/1.1\r\nHost: "+webAddr+"\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 100000\r\n\r\nname=a&password=")
	if err != nil {
		c.Close()
		return nil, false, err
	}
	return c, true, nil
}

// TestServeSIGTERMFinishesData: SIGTERM while a session is mid-DATA lets
// it finish (250) before serve closes the store, and the ticket is there
// after serve exits 0. An idle session is closed at once.
func TestServeSIGTERMFinishesData(t *testing.T) {
	dir := t.TempDir()
	cfg := corpusConfig(t, dir)
	addr := freePort(t)
	withListener(t, cfg, addr, false)
	cmd := exec.Command(binary, "serve", "-config", cfg)
	startServeCmd(t, cmd)

	busy, err := dialFrom("127.0.0.1", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busy.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(busy)
	expect := func(r *bufio.Reader, prefix string) {
		t.Helper()
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("want %q: %q %v", prefix, line, err)
			}
			if len(line) >= 4 && line[3] == '-' {
				continue
			}
			if !strings.HasPrefix(line, prefix) {
				t.Fatalf("got %q, want %q", line, prefix)
			}
			return
		}
	}
	expect(br, "220 ")
	for _, step := range [][2]string{{"EHLO c.test", "250 "}, {"MAIL FROM:<c@cliente.com.br>", "250 "},
		{"RCPT TO:<suporte@acme.com.br>", "250 "}, {"DATA", "354 "}} {
		io.WriteString(busy, step[0]+"\r\n")
		expect(br, step[1])
	}
	io.WriteString(busy, "From: c@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: mid data at SIGTERM\r\n\r\nfirst half\r\n")

	idle, err := dialFrom("127.0.0.1", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetDeadline(time.Now().Add(10 * time.Second))
	ir := bufio.NewReader(idle)
	expect(ir, "220 ")
	io.WriteString(idle, "EHLO idle.test\r\n")
	expect(ir, "250 ")

	exited := make(chan error, 1)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The idle session's 421 says the shutdown has begun.
	expect(ir, "421 ")
	io.WriteString(busy, "second half\r\n.\r\n")
	expect(br, "250 2.0.0 Ok: created ticket=SUP-1000")
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not exit after the message under way")
	}
	r := runBinary(t, nil, "tickets", "show", "-config", cfg, "-json", "SUP-1000")
	if r.code != 0 || !strings.Contains(r.stdout, "mid data at SIGTERM") {
		t.Fatalf("the ticket finished during shutdown: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}
