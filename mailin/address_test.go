package mailin

import (
	"strings"
	"testing"
)

// TestSenderIdentity checks that the sender is the addr-spec RFC 5322
// gives, whatever a display name, comment or encoded word looks like.
func TestSenderIdentity(t *testing.T) {
	tests := []struct {
		name   string
		header string // header lines, \n separated
		from   string
	}{
		{"plain", "From: maria@cliente.com.br", "maria@cliente.com.br"},
		{"name-addr", "From: Maria Souza <Maria@Cliente.com.br>", "maria@cliente.com.br"},
		{"address as display name", "From: maria@example.com <attacker@evil.com>", "attacker@evil.com"},
		{"quoted address as display name", `From: "maria@example.com" <attacker@evil.com>`, "attacker@evil.com"},
		{"address in a comment", "From: attacker@evil.com (maria@example.com)", "attacker@evil.com"},
		{"address in an encoded word", "From: =?utf-8?q?maria=40example=2Ecom?= <attacker@evil.com>", "attacker@evil.com"},
		{"CRLF in an encoded display name", "From: =?utf-8?q?Evil=0D=0ABcc:_x@evil.com?= <eve3@example.com>", "eve3@example.com"},
		{"underscore trick", "From: =?utf-8?q?_x@evil.com?= <eve@example.com>", "eve@example.com"},
		{"unbalanced quote", `From: "Maria <maria@cliente.com.br>`, ""},
		{"source route", "From: <@relay.example:maria@cliente.com.br>", "maria@cliente.com.br"},
		{"several From with Sender", "From: ana@cliente.com.br, bia@cliente.com.br\nSender: Secretaria <sec@cliente.com.br>", "sec@cliente.com.br"},
		{"several From without Sender", "From: ana@cliente.com.br, bia@cliente.com.br", "ana@cliente.com.br"},
		{"one From with Sender", "From: ana@cliente.com.br\nSender: robo@cliente.com.br", "ana@cliente.com.br"},
		{"malformed angle-addr", "From: ana@cliente.com.br <, bia@x>", ""},
		{"mixed bare and angle", "From: ana@cliente.com.br, Bia <bia@cliente.com.br>, <x@", "ana@cliente.com.br"},
		{"no address at all", "From: Maria Souza", ""},
		{"bare words with an at", "From: maria at cliente.com.br", ""},
		{"quoted local part stays quoted", `From: "victim@other.example> ORCPT=rfc822;x NOTIFY=SUCCESS,FAILURE"@evil.example`, `"victim@other.example> orcpt=rfc822;x notify=success,failure"@evil.example`},
		{"quoted local part with a space", `From: "joao silva"@cliente.com.br`, `"joao silva"@cliente.com.br`},
		{"long s is not folded", "From: ſam@example.com", "ſam@example.com"},
		{"Kelvin sign is not folded", "From: \u212Aarl@example.com", "\u212Aarl@example.com"},
		{"control character", "From: <ma\x1bria@cliente.com.br>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := parse(t, tc.header+"\nSubject: x\n\ncorpo\n")
			if p.From != tc.from {
				t.Fatalf("From %q, want %q", p.From, tc.from)
			}
		})
	}
}

// TestLenientNeverDisagreesWithStrict checks, on headers net/mail does
// parse, that the lenient reading finds the same addresses: the fallback
// may find fewer, never others.
func TestLenientNeverDisagreesWithStrict(t *testing.T) {
	for _, v := range []string{
		"Maria <maria@cliente.com.br>",
		`"Souza, Maria" <maria@cliente.com.br>, bia@cliente.com.br`,
		"maria@cliente.com.br (Maria Souza)",
		"=?iso-8859-1?q?Jo=E3o?= <joao@cliente.com.br>",
		"<@a.example,@b.example:x@c.example>",
		`"a\"b" <q@cliente.com.br>`,
	} {
		strict := addressList(v)
		var lenient []string
		for _, m := range lenientMailboxes(v) {
			lenient = append(lenient, m.addr)
		}
		if strings.Join(strict, ",") != strings.Join(lenient, ",") {
			t.Errorf("%q: strict %q, lenient %q", v, strict, lenient)
		}
	}
}

// TestMessageIDControlCharacters drops IDs no reply could carry and no
// outgoing header may repeat.
func TestMessageIDControlCharacters(t *testing.T) {
	p := parse(t, "From: a@b.com\nMessage-ID: <a\x00b\x0bc\x1bd@example.com>\nIn-Reply-To: <ok@example.com> <x\x7fy@example.com>\nReferences: <r1@example.com> <r\u0085@example.com> <r2@example.com>\n\ncorpo\n")
	if p.MessageID != "" {
		t.Fatalf("MessageID %q kept", p.MessageID)
	}
	if strings.Join(p.InReplyTo, " ") != "ok@example.com" || strings.Join(p.References, " ") != "r1@example.com r2@example.com" {
		t.Fatalf("in-reply-to %q references %q", p.InReplyTo, p.References)
	}
}
