package tickets

import (
	"strings"
	"testing"
	"time"
)

var (
	testSecret  = []byte("0123456789abcdef0123456789abcdef")
	otherSecret = []byte("another secret, another install.")
	testNow     = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
)

func TestTicketLinkRoundTrip(t *testing.T) {
	keys := LinkKeys{Current: testSecret}
	exp := testNow.Add(48 * time.Hour)
	tok := TicketLink(keys, "SUP-1042", 7, exp)
	if len(tok) > 34 {
		t.Errorf("ticket token %q is %d characters, want at most 34", tok, len(tok))
	}
	c, ok := ParseTicketLink(keys, "sup-1042", tok, testNow)
	if !ok || c.Version != 7 || !c.Expires.Equal(exp) || c.Legacy {
		t.Fatalf("own token: %+v %v", c, ok)
	}
	for _, bad := range []struct {
		keys     LinkKeys
		key, tok string
	}{
		{keys, "SUP-1043", tok}, {LinkKeys{Current: otherSecret}, "SUP-1042", tok}, {keys, "SUP-1042", ""},
		{keys, "SUP-1042", tok[:len(tok)-1]}, {keys, "SUP-1042", tok + "A"}, {keys, "SUP-1042", "!!!"},
		{keys, "SUP-1042", ListLink(keys, "maria@cliente.com.br", 7, exp)},
	} {
		if _, ok := ParseTicketLink(bad.keys, bad.key, bad.tok, testNow); ok {
			t.Errorf("accepted %q for %s", bad.tok, bad.key)
		}
	}
}

// TestTokensStrict is audit I1: a token is accepted only as issued. The
// base64 decoder skips CR and LF and, without Strict, ignores the unused
// low bits of the last character, so that 16 spellings of one token (and
// any with line breaks inside) were accepted.
func TestTokensStrict(t *testing.T) {
	keys := LinkKeys{Current: testSecret}
	tok := TicketLink(keys, "SUP-1042", 0, testNow.Add(time.Hour))
	list := ListLink(keys, "maria@cliente.com.br", 0, testNow.Add(time.Hour))
	variants := func(tok string) []string {
		out := []string{tok[:10] + "\r\n" + tok[10:], tok[:10] + "\n" + tok[10:], tok + "\n", " " + tok, tok + " ", tok + "=", tok + "==",
			strings.ReplaceAll(tok, "-", "+"), strings.ReplaceAll(tok, "_", "/")}
		last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", tok[len(tok)-1])
		for d := 1; d < 16; d++ { // every other value of the unused low bits
			c := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last^d]
			out = append(out, tok[:len(tok)-1]+string(c))
		}
		return out
	}
	for _, v := range variants(tok) {
		if v == tok {
			continue
		}
		if _, ok := ParseTicketLink(keys, "SUP-1042", v, testNow); ok {
			t.Errorf("ticket token variant %q accepted", v)
		}
	}
	for _, v := range variants(list) {
		if v == list {
			continue
		}
		if _, ok := ParseListLink(keys, v, testNow); ok {
			t.Errorf("list token variant %q accepted", v)
		}
	}
}

func TestListLinkHidesAddress(t *testing.T) {
	keys := LinkKeys{Current: testSecret}
	exp := testNow.Add(time.Hour)
	tok := ListLink(keys, " Maria@Cliente.com.br", 3, exp)
	c, ok := ParseListLink(keys, tok, testNow)
	if !ok || c.Email != "maria@cliente.com.br" || c.Version != 3 || !c.Expires.Equal(exp) {
		t.Fatalf("own list token: %+v %v", c, ok)
	}
	raw, _ := b64.DecodeString(tok)
	if strings.Contains(string(raw), "maria") || strings.Contains(tok, b64.EncodeToString([]byte("maria"))) {
		t.Errorf("list token %q carries the address in clear", tok)
	}
	// Flipping any one bit of the encrypted address is caught.
	for i := headerLen; i < len(raw); i++ {
		mut := append([]byte(nil), raw...)
		mut[i] ^= 1
		if c, ok := ParseListLink(keys, b64.EncodeToString(mut), testNow); ok {
			t.Errorf("byte %d flipped: accepted as %s", i, c.Email)
		}
	}
	if _, ok := ParseListLink(LinkKeys{Current: otherSecret}, tok, testNow); ok {
		t.Error("list token accepted under another secret")
	}
}

func TestLinksPreviousSecretGrace(t *testing.T) {
	old := LinkKeys{Current: testSecret}
	tok := TicketLink(old, "SUP-1", 0, testNow.Add(time.Hour))
	list := ListLink(old, "maria@cliente.com.br", 0, testNow.Add(time.Hour))
	rotated := LinkKeys{Current: otherSecret, Previous: testSecret, PreviousUntil: testNow.Add(time.Minute)}
	if _, ok := ParseTicketLink(rotated, "SUP-1", tok, testNow); !ok {
		t.Error("ticket link of the previous secret refused during the grace")
	}
	if _, ok := ParseListLink(rotated, list, testNow); !ok {
		t.Error("list link of the previous secret refused during the grace")
	}
	after := testNow.Add(time.Minute)
	if _, ok := ParseTicketLink(rotated, "SUP-1", tok, after); ok {
		t.Error("ticket link of the previous secret accepted after the grace")
	}
	if _, ok := ParseListLink(rotated, list, after); ok {
		t.Error("list link of the previous secret accepted after the grace")
	}
}

func TestLegacyTokens(t *testing.T) {
	keys := LinkKeys{Current: testSecret}
	ticket := b64.EncodeToString(legacyMAC(testSecret, "ticket", "SUP-1042"))
	if c, ok := ParseTicketLink(keys, "SUP-1042", ticket, testNow); !ok || !c.Legacy {
		t.Errorf("legacy ticket token: %+v %v", c, ok)
	}
	if _, ok := ParseTicketLink(LinkKeys{Current: otherSecret}, "SUP-1042", ticket, testNow); ok {
		t.Error("legacy ticket token accepted under another secret")
	}
	list := b64.EncodeToString([]byte("maria@cliente.com.br")) + "." + b64.EncodeToString(legacyMAC(testSecret, "customer", "maria@cliente.com.br"))
	if c, ok := ParseListLink(keys, list, testNow); !ok || !c.Legacy || c.Email != "maria@cliente.com.br" {
		t.Errorf("legacy list token: %+v %v", c, ok)
	}
	forged := b64.EncodeToString([]byte("joao@cliente.com.br")) + list[strings.IndexByte(list, '.'):]
	if _, ok := ParseListLink(keys, forged, testNow); ok {
		t.Error("legacy list token with another address accepted")
	}
}
