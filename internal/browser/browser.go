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

	"github.com/chromedp/chromedp"
)

// Browser is one Chromium with one tab, ended with the test.
type Browser struct {
	t   testing.TB
	ctx context.Context // the tab's context, which has run once
	// step bounds each Run.
	step time.Duration

	mu sync.Mutex
	// console is what pages threw or logged (console calls, exceptions,
	// CSP violations in the browser log), so that a test can assert that
	// nothing ran.
	console []string
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
	b := &Browser{t: t, ctx: ctx, step: step}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m.String())
			b.mu.Unlock()
		}
	}()
	return b
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

// Console returns what the pages threw or logged so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}
