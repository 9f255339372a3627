package web_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// benchTickets is the size of the store the queue is measured on.
const benchTickets = 100_000

// BenchmarkQueueAt100k measures, with 100,000 tickets in the store, the
// analysts' queue page (first page, a status tab, a deep page), its
// full-text search (a common word typed without accents, a rare word, two
// words, a prefix) and a customer's /me list, each through the real
// handler and HTTP: login cookie, store read, search index, template. It
// reports p50 and p95 in milliseconds per kind, beside the same server
// answering its style sheet (no store, no template) as the bare floor
// (and the ratio of each p95 to the bare one), and the index's warm-up
// time. The target is p95 under 50 ms for the
// queue and the search. Run it with -benchtime=1x: the store takes a
// while to fill.
func BenchmarkQueueAt100k(b *testing.B) {
	st, requester := fillStore(b, benchTickets)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Update(context.Background(), func(tx tickets.Tx) error {
		return tx.PutAnalyst(tickets.Analyst{Name: "carla", PasswordHash: hash})
	}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := st.WarmIndex(context.Background()); err != nil {
		b.Fatal(err)
	}
	warmup := time.Since(start)
	srv := httptest.NewServer(web.New(st, web.Options{BaseURL: "http://127.0.0.1"}))
	b.Cleanup(srv.Close)
	c := benchLogin(b, srv)
	var secret []byte
	if err := st.View(context.Background(), func(v tickets.View) error {
		secret, err = v.Secret()
		return err
	}); err != nil {
		b.Fatal(err)
	}

	if p, err := st.Search(context.Background(), tickets.Query{}); err != nil || p.Total != benchTickets {
		b.Fatalf("the store holds %d tickets (%v), want %d", p.Total, err, benchTickets)
	}

	kinds := []struct {
		name  string
		paths []string
	}{
		{"bare", []string{"/static/style.css"}},
		{"queue", []string{"/tickets", "/tickets?status=open", "/tickets?status=waiting_customer", "/tickets?page=40", "/tickets?type=bug&department=Financeiro"}},
		{"search", []string{"/tickets?q=atualizacao", "/tickets?q=" + rareWord, "/tickets?q=nota+fiscal", "/tickets?q=relat", "/tickets?q=boleto&status=open"}},
		{"me", []string{"/me?k=" + url.QueryEscape(tickets.ListLink(tickets.LinkKeys{Current: secret}, requester, 0, time.Now().Add(time.Hour))), "/me?q=senha&k=" + url.QueryEscape(tickets.ListLink(tickets.LinkKeys{Current: secret}, requester, 0, time.Now().Add(time.Hour)))}},
	}
	const rounds = 40
	p95 := map[string]time.Duration{}
	b.ResetTimer()
	for b.Loop() {
		for _, k := range kinds {
			var d []time.Duration
			for i := range rounds {
				for _, p := range k.paths {
					t0 := time.Now()
					benchGet(b, c, srv.URL+p)
					if i > 0 { // the first round fills caches
						d = append(d, time.Since(t0))
					}
				}
			}
			slices.Sort(d)
			b.ReportMetric(ms(d[len(d)/2]), k.name+"-p50-ms")
			b.ReportMetric(ms(d[len(d)*95/100]), k.name+"-p95-ms")
			p95[k.name] = d[len(d)*95/100]
		}
	}
	for _, k := range kinds[1:] {
		b.ReportMetric(float64(p95[k.name])/float64(p95["bare"]), k.name+"-p95/bare")
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(warmup), "warmup-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func benchGet(b *testing.B, c *http.Client, u string) {
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
}

// benchLogin logs carla in through the login form and returns her client.
func benchLogin(b *testing.B, srv *httptest.Server) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(srv.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp, err = c.PostForm(srv.URL+"/login", url.Values{"csrf": {formToken(b, string(body))}, "name": {"carla"}, "password": {password}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/tickets" || resp.StatusCode != http.StatusOK {
		b.Fatalf("login ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	return c
}

// rareWord is in a handful of tickets only.
const rareWord = "parafuseta"

// fillStore writes n tickets of realistic shape (a subject, a customer
// message of some 80 words, an analyst reply on every other one, spread
// over statuses, types, departments and 5,000 requesters) in large
// transactions, and names one requester with many tickets.
func fillStore(b *testing.B, n int) (*tickets.BoltStore, string) {
	st, err := tickets.Open(filepath.Join(b.TempDir(), "ticketgw.db"), tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	words := vocabulary(rng, 3000)
	common := []string{"sistema", "erro", "nota", "fiscal", "atualização", "boleto", "senha", "relatório", "cliente", "acesso", "lentidão", "integração"}
	statuses := []tickets.Status{tickets.StatusOpen, tickets.StatusInProgress, tickets.StatusWaitingCustomer, tickets.StatusResolved, tickets.StatusClosed}
	types := []tickets.Type{tickets.TypeBug, tickets.TypeSupport, tickets.TypeImprovement}
	deps := []string{"Suporte", "Bugs", "Melhorias", "Financeiro"}
	text := func(k int) string {
		var sb strings.Builder
		for j := range k {
			if j > 0 {
				sb.WriteByte(' ')
			}
			if rng.IntN(4) == 0 {
				sb.WriteString(common[rng.IntN(len(common))])
			} else {
				sb.WriteString(words[rng.IntN(len(words))])
			}
		}
		return sb.String()
	}
	const batch = 2000
	for done := 0; done < n; done += batch {
		err := st.Update(context.Background(), func(tx tickets.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				body := text(80)
				if i%20011 == 7 {
					body += " " + rareWord
				}
				req := fmt.Sprintf("cliente%d@empresa%d.com.br", i%5000, i%700)
				tk := &tickets.Ticket{Subject: text(6), Type: types[i%3], Department: deps[i%4], Requester: req, Address: "suporte@acme.com.br", Status: statuses[rng.IntN(len(statuses))]}
				m := &tickets.Message{Direction: tickets.DirIn, From: req, MessageID: fmt.Sprintf("<%d@empresa>", i), Text: body}
				if err := tx.CreateTicket(tk, m); err != nil {
					return err
				}
				if i%2 == 0 {
					r := &tickets.Message{Direction: tickets.DirOut, From: "carla", Text: text(40)}
					if _, err := tx.AppendMessage(tk.Key, r); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return st, "cliente42@empresa42.com.br"
}

// vocabulary makes n distinct word-like strings from syllables.
func vocabulary(rng *rand.Rand, n int) []string {
	syl := []string{"ca", "de", "li", "mo", "nu", "pa", "re", "si", "to", "va", "ção", "gem", "dor", "ria", "lho", "nha", "tri", "bu", "fe", "qui"}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var sb strings.Builder
		for range 2 + rng.IntN(3) {
			sb.WriteString(syl[rng.IntN(len(syl))])
		}
		if w := sb.String(); !seen[w] && w != rareWord {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
