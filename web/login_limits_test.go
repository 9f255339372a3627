package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/web"
)

// countingCompare is a password check that counts its calls, and when gate
// is set waits for it to close after saying so on entered.
type countingCompare struct {
	calls, running, peak atomic.Int64
	entered              chan struct{}
	gate                 chan struct{}
}

func (c *countingCompare) compare(hash, pw []byte) error {
	c.calls.Add(1)
	n := c.running.Add(1)
	defer c.running.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if c.gate != nil {
		c.entered <- struct{}{}
		<-c.gate
	}
	return bcrypt.CompareHashAndPassword(hash, pw)
}

// loginForm is a login page's cookie and token, for posts made without a
// browser (from goroutines, which must not call t.Fatal).
type loginForm struct {
	url    string
	cookie string
	csrf   string
}

func newLoginForm(t *testing.T, e *pageEnv) loginForm {
	t.Helper()
	b := e.browser()
	page := b.get("/login")
	u, _ := url.Parse(e.srv.URL)
	var cookie string
	for _, c := range b.c.Jar.Cookies(&url.URL{Scheme: "http", Host: u.Host, Path: "/login"}) {
		if c.Name == "tgw_login" {
			cookie = c.Name + "=" + c.Value
		}
	}
	return loginForm{url: e.srv.URL + "/login", cookie: cookie, csrf: formToken(t, page.body)}
}

// post sends the login form as name with password from a client; headers
// are more header pairs (X-Forwarded-For). It returns the status, or 0
// when the request failed.
func (f loginForm) post(c *http.Client, name, pw string, headers ...string) int {
	form := url.Values{"csrf": {f.csrf}, "name": {name}, "password": {pw}, "next": {"/tickets"}}
	req, err := http.NewRequest("POST", f.url, strings.NewReader(form.Encode()))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", f.cookie)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 400}}
}

// fromAddress is a client whose connections come from ip (any 127.x.y.z
// works on loopback), as a second machine's would.
func fromAddress(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestConcurrentGuessesAreCountedBeforeTheCheck is audit D3: 300 guesses
// for one name from one client at once. The attempts are reserved before
// bcrypt runs, so at most 5 passwords are checked and the rest are 429.
func TestConcurrentGuessesAreCountedBeforeTheCheck(t *testing.T) {
	cc := &countingCompare{}
	e := newPageEnv(t, func(o *web.Options) { o.ComparePassword = cc.compare; o.MaxLoginChecks = 300 })
	f := newLoginForm(t, e)
	c := noRedirect()
	var wg sync.WaitGroup
	codes := make([]int, 300)
	start := make(chan struct{})
	for i := range codes {
		wg.Go(func() {
			<-start
			codes[i] = f.post(c, "carla", "guess number "+strconv.Itoa(i))
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, code := range codes {
		count[code]++
	}
	t.Logf("300 concurrent guesses: %d passwords checked, answers %v", cc.calls.Load(), count)
	if n := cc.calls.Load(); n > 5 {
		t.Errorf("%d passwords checked for 300 concurrent guesses, want at most 5", n)
	}
	if count[http.StatusUnauthorized] > 5 || count[http.StatusTooManyRequests] < 295 {
		t.Errorf("answers: %v", count)
	}
}

// TestLoginSuccessGivesTheAttemptBack: a success forgets the name's
// failures at this client, its own reservation included.
func TestLoginSuccessGivesTheAttemptBack(t *testing.T) {
	e := newPageEnv(t)
	b := e.browser()
	for range 4 {
		if a := b.login("carla", "typo"); a.code != http.StatusUnauthorized {
			t.Fatalf("typo: %d", a.code)
		}
	}
	if a := b.login("carla", password); a.code != http.StatusSeeOther {
		t.Fatalf("fifth attempt, right password: %d", a.code)
	}
	b = e.browser()
	for i := range 4 {
		if a := b.login("carla", "typo"); a.code != http.StatusUnauthorized {
			t.Fatalf("typo %d after a success: %d", i, a.code)
		}
	}
}

// TestStrangerCannotLockAnalystOut is audit D17: failures for carla from
// another address lock that address out, not carla at her own.
func TestStrangerCannotLockAnalystOut(t *testing.T) {
	e := newPageEnv(t)
	f := newLoginForm(t, e)
	stranger := fromAddress("127.0.0.2")
	for i := range 5 {
		if code := f.post(stranger, "carla", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("stranger's guess %d: %d", i, code)
		}
	}
	if code := f.post(stranger, "carla", password); code != http.StatusTooManyRequests {
		t.Fatalf("stranger after 5 failures: %d", code)
	}
	if a := e.browser().login("carla", password); a.code != http.StatusSeeOther {
		t.Fatalf("carla from her own address: %d", a.code)
	}
}

// TestPasswordChecksHaveAGlobalCeiling: guesses from many clients (each
// within its own limits) run at most MaxLoginChecks bcrypt checks at once;
// past the waiting room they are answered 503 at once.
func TestPasswordChecksHaveAGlobalCeiling(t *testing.T) {
	cc := &countingCompare{entered: make(chan struct{}, 100), gate: make(chan struct{})}
	e := newPageEnv(t, func(o *web.Options) {
		o.ComparePassword = cc.compare
		o.MaxLoginChecks = 1
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	f := newLoginForm(t, e)
	c := noRedirect()
	const clients = 20 // 1 checking, 8 waiting, 11 refused
	codes := make(chan int, clients)
	for i := range clients {
		go func() { codes <- f.post(c, "carla", "guess", "X-Forwarded-For", "198.51.100."+strconv.Itoa(i+1)) }()
	}
	var once sync.Once
	open := func() { once.Do(func() { close(cc.gate) }) }
	t.Cleanup(open)
	<-cc.entered
	for range clients - 1 - 8 {
		select {
		case code := <-codes:
			if code != http.StatusServiceUnavailable {
				t.Fatalf("over the ceiling and the waiting room: %d", code)
			}
		case <-cc.entered:
			t.Fatal("a second password check ran beside the first")
		}
	}
	select {
	case <-cc.entered:
		t.Fatal("a second password check ran beside the first")
	case <-time.After(100 * time.Millisecond):
	}
	open()
	for range 9 {
		if code := <-codes; code != http.StatusUnauthorized {
			t.Errorf("waiting guess: %d", code)
		}
	}
	if p := cc.peak.Load(); p != 1 {
		t.Errorf("%d checks at once, want 1", p)
	}
}

// lockedBuffer is a log sink shared with the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTrustedProxies: X-Forwarded-For is believed only from a trusted
// proxy, for the login limits and the logs.
func TestTrustedProxies(t *testing.T) {
	t.Run("trusted", func(t *testing.T) {
		logs := &lockedBuffer{}
		e := newPageEnv(t, func(o *web.Options) {
			o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
			o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		})
		f := newLoginForm(t, e)
		c := noRedirect()
		for range 5 {
			if code := f.post(c, "carla", "guess", "X-Forwarded-For", "203.0.113.9, 10.1.2.3"); code != http.StatusUnauthorized {
				t.Fatalf("guess: %d", code)
			}
		}
		if code := f.post(c, "carla", password, "X-Forwarded-For", "203.0.113.9"); code != http.StatusTooManyRequests {
			t.Fatalf("the guesser behind the proxy: %d", code)
		}
		// Another client behind the same proxy, who also tries to pass for
		// a third address on the left of the header.
		if code := f.post(c, "carla", password, "X-Forwarded-For", "192.0.2.66", "X-Forwarded-For", "198.51.100.7"); code != http.StatusSeeOther {
			t.Fatalf("carla behind the proxy: %d", code)
		}
		if l := logs.String(); !strings.Contains(l, "ip=203.0.113.9") || !strings.Contains(l, `msg="web: login" analyst=carla ip=198.51.100.7`) {
			t.Errorf("logs do not name the clients:\n%s", l)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		logs := &lockedBuffer{}
		e := newPageEnv(t, func(o *web.Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
		f := newLoginForm(t, e)
		c := noRedirect()
		for i := range 5 {
			if code := f.post(c, "carla", "guess", "X-Forwarded-For", "203.0.113."+strconv.Itoa(i)); code != http.StatusUnauthorized {
				t.Fatalf("guess: %d", code)
			}
		}
		// A made-up X-Forwarded-For does not make a new client.
		if code := f.post(c, "carla", "guess", "X-Forwarded-For", "198.51.100.7"); code != http.StatusTooManyRequests {
			t.Fatalf("spoofed header: %d", code)
		}
		if l := logs.String(); strings.Contains(l, "203.0.113.") || !strings.Contains(l, "ip=127.0.0.1") {
			t.Errorf("logs believed the header:\n%s", l)
		}
	})
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48")}
	for _, tc := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"203.0.113.5"}, "192.0.2.1"}, // not a proxy of ours
		{"10.0.0.1:5000", nil, "10.0.0.1"},
		{"10.0.0.1:5000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"10.0.0.1:5000", []string{"1.1.1.1, 203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"10.0.0.1:5000", []string{"1.1.1.1", "203.0.113.5"}, "203.0.113.5"},
		{"10.0.0.1:5000", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"10.0.0.1:5000", []string{"203.0.113.5, garbage"}, "10.0.0.1"},
		{"10.0.0.1:5000", []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"10.0.0.1:5000", []string{"[2001:db8:2::7]:80"}, "2001:db8:2::7"},
		{"[2001:db8:1::1]:443", []string{"::ffff:198.51.100.3"}, "198.51.100.3"},
		{"[::ffff:10.0.0.1]:443", []string{"198.51.100.4"}, "198.51.100.4"},
	} {
		r, _ := http.NewRequestWithContext(context.Background(), "GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := web.ClientIP(r, trusted); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
}
