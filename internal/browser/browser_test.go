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
