package tickets

import "testing"

func TestTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("another secret, another install.")
	tok := TicketToken(secret, "SUP-1042")
	if !VerifyTicketToken(secret, "sup-1042", tok) {
		t.Fatal("own token refused")
	}
	for _, c := range []struct {
		secret   []byte
		key, tok string
	}{
		{secret, "SUP-1043", tok}, {other, "SUP-1042", tok}, {secret, "SUP-1042", ""},
		{secret, "SUP-1042", tok[:len(tok)-1]}, {secret, "SUP-1042", tok + "A"}, {secret, "SUP-1042", "!!!"},
	} {
		if VerifyTicketToken(c.secret, c.key, c.tok) {
			t.Errorf("accepted %q for %s", c.tok, c.key)
		}
	}
	ct := CustomerToken(secret, " Maria@Cliente.com.br")
	if email, ok := VerifyCustomerToken(secret, ct); !ok || email != "maria@cliente.com.br" {
		t.Fatalf("customer token: %q %v", email, ok)
	}
	forged := CustomerToken(other, "maria@cliente.com.br")
	for _, bad := range []string{"", ".", forged, ct[:len(ct)-2], b64.EncodeToString([]byte("joao@cliente.com.br")) + ct[len(ct)-23:], TicketToken(secret, "x")} {
		if email, ok := VerifyCustomerToken(secret, bad); ok {
			t.Errorf("accepted %q as %s", bad, email)
		}
	}
}
