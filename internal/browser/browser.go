// Package browser starts Debian's headless Chromium for end-to-end tests
// of the web pages, driven over the DevTools protocol with chromedp: the
// pages are checked by a real browser that runs their HTML, CSS and
// Content-Security-Policy as a person's would. `make deps`
// (.ci/install-peers) installs Chromium; a test that needs it fails, never
// skips, when it is missing.
package browser

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Browser is one Chromium with one tab, ended with the test that started
// it. For lends it to a subtest.
type Browser struct {
	t   testing.TB
	ctx context.Context // the tab's context, which has run once
	// step bounds each Run.
	step time.Duration
	log  *consoleLog
}

// consoleLog is what pages threw or logged (console calls, exceptions, CSP
// violations in the browser log), so that a test can assert that nothing
// ran.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
}

// executable finds Chromium where Debian puts it.
func executable(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("chromium is not installed: run `make deps` (.ci/install-peers installs Debian's chromium)")
	return ""
}

// New starts a headless Chromium with a fresh profile in the test's
// temporary folder. Each Run gets at most step.
func New(t testing.TB, step time.Duration) *Browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(executable(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox will not start
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1100, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Run starts the browser, under the tab's own context (a
	// timeout there would end the browser with it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{t: t, ctx: ctx, step: step, log: &consoleLog{}}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.log.mu.Lock()
			b.log.lines = append(b.log.lines, m.String())
			b.log.mu.Unlock()
		}
	}()
	return b
}

// For is the same browser and tab for a subtest: its failures fail t.
// Subtests that share it must run one after the other (no t.Parallel).
func (b *Browser) For(t testing.TB) *Browser {
	c := *b
	c.t = t
	return &c
}

// Do runs actions in the tab and fails the test on error, naming the step.
func (b *Browser) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// Get runs one action that returns a value, failing the test on error.
func Get[T any](b *Browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.step)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
	return v
}

// Load runs actions that make the tab load a document (a click on a link
// or on a form's button, following any redirect) and waits until it has
// loaded, failing the test on error. It returns the document's response.
func (b *Browser) Load(step string, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.step)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
	return resp
}

// Console returns what the pages threw or logged so far, each as
// "TYPE: TEXT" (TYPE "exception" for an uncaught exception).
func (b *Browser) Console() []string {
	b.log.mu.Lock()
	defer b.log.mu.Unlock()
	return append([]string(nil), b.log.lines...)
}
