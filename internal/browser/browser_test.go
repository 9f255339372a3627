package browser_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ticketgw/ticketgw/internal/browser"
)

// TestBrowserRunsPages checks the harness itself: Chromium loads a page,
// fills and submits a form, and reports the script error it met.
func TestBrowserRunsPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<!doctype html><title>form</title><form method="post" action="/done"><input name="q" id="q"><button id="go">go</button></form>`)
		case "/done":
			fmt.Fprintf(w, `<!doctype html><title>done</title><p id="got">%s</p><script>throw new Error("boom")</script>`, strings.ToUpper(r.FormValue("q")))
		}
	}))
	defer srv.Close()
	b := browser.New(t, 60*time.Second)
	b.Do("fill the form", chromedp.Navigate(srv.URL), chromedp.SendKeys(chromedp.CSS("#q"), "olá"), chromedp.Click(chromedp.CSS("#go")),
		chromedp.WaitVisible(chromedp.CSS("#got")))
	if got := browser.Get(b, "read", chromedp.Text(chromedp.CSS("#got"))); got != "OLÁ" {
		t.Errorf("page said %q, want OLÁ", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(strings.Join(b.Console(), " "), "boom") {
		if time.Now().After(deadline) {
			t.Fatalf("script error not reported; console: %q", b.Console())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserLoadFor checks the helpers for page flows: Load follows a
// form's post through its redirect and returns the final document's
// response, and For lends the tab to a subtest, whose failures are its own.
func TestBrowserLoadFor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case r.Method == http.MethodPost:
			http.Redirect(w, r, "/done?q="+r.FormValue("q"), http.StatusSeeOther)
		case r.URL.Path == "/":
			fmt.Fprint(w, `<!doctype html><title>form</title><form method="post" action="/send"><input name="q" id="q"><button id="go">go</button></form>`)
		default:
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, `<!doctype html><title>done</title><p id="got">%s</p>`, r.FormValue("q"))
		}
	}))
	defer srv.Close()
	b := browser.New(t, 60*time.Second)
	t.Run("post", func(t *testing.T) {
		b := b.For(t)
		b.Do("open the form", chromedp.Navigate(srv.URL), chromedp.SendKeys(chromedp.CSS("#q"), "sim"))
		resp := b.Load("post it", chromedp.Click(chromedp.CSS("#go")))
		if resp.Status != http.StatusAccepted || resp.URL != srv.URL+"/done?q=sim" {
			t.Errorf("Load returned HTTP %d for %s, want 202 for /done?q=sim", resp.Status, resp.URL)
		}
		if got := browser.Get(b, "read", chromedp.Text(chromedp.CSS("#got"))); got != "sim" {
			t.Errorf("page said %q, want sim", got)
		}
	})
}
