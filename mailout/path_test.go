package mailout

import (
	"net"
	"strings"
	"testing"
)

// TestQuotedRecipientStaysOneAddress sends to a requester whose quoted
// local part holds "> NOTIFY=…": the relay must see one recipient, that
// address, and no ESMTP parameters.
func TestQuotedRecipientStaysOneAddress(t *testing.T) {
	r := &relay{}
	addr := serveRelay(t, r, "none", nil)
	tr := &SMTPTransport{Addr: addr, TLS: "none"}
	to := `"victim@other.example> orcpt=rfc822;x notify=success,failure"@evil.example`
	if err := tr.Send(sendCtx(t), "suporte@acme.com.br", []string{to}, []byte(relayMsg)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := r.delivered()
	if len(msgs) != 1 || len(msgs[0].To) != 1 {
		t.Fatalf("relay got %+v", msgs)
	}
	got := msgs[0].To[0]
	if !strings.HasSuffix(got, "@evil.example") || !strings.Contains(got, "notify=success,failure") {
		t.Fatalf("RCPT TO %q is not the quoted address", got)
	}
}

func TestCheckPath(t *testing.T) {
	for addr, ok := range map[string]bool{
		"maria@cliente.com.br":             true,
		`"joao silva"@cliente.com.br`:      true,
		`"a\"b"@cliente.com.br`:            true,
		"maria@[192.0.2.1]":                true,
		"victim@other.example> NOTIFY=x@e": false,
		"a b@cliente.com.br":               false,
		`"open@cliente.com.br`:             false,
		`"a"b"@cliente.com.br`:             false,
		"ma\x00ria@cliente.com.br":         false,
		"maria@cli ente.com.br":            false,
		"maria@":                           false,
		"@cliente.com.br":                  false,
		"ma\u0085ria@cliente.com.br":       false,
	} {
		if err := checkPath(addr); (err == nil) != ok {
			t.Errorf("checkPath(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

// TestUnsafeRecipientIsPermanent refuses to write an address that would
// end the path early, before any connection: a retry cannot fix it. The
// relay address is one where nothing listens, so an attempt to connect
// would show as a temporary error instead.
func TestUnsafeRecipientIsPermanent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tr := &SMTPTransport{Addr: addr, TLS: "none"}
	err = tr.Send(sendCtx(t), "suporte@acme.com.br", []string{"victim@other.example> NOTIFY=SUCCESS@evil.example"}, []byte(relayMsg))
	wantPermanent(t, err, 553, "5.1.3")
}

func TestSafeMsgIDs(t *testing.T) {
	got := safeMsgIDs([]string{"<ok@x>", "<a\x00b@x>", "<a b@x>", "bare@x", "<c\u0085@x>", "<ok2@x>"})
	if strings.Join(got, " ") != "<ok@x> <ok2@x>" {
		t.Fatalf("%q", got)
	}
}
