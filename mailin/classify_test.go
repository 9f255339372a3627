package mailin

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	ours := func(a string) bool { return strings.HasPrefix(a, "suporte") && strings.HasSuffix(a, "@acme.com.br") }
	tests := []struct {
		name, head, want string
	}{
		{"person", "From: a@b.com\r\nSubject: Oi", ""},
		{"auto-submitted no", "From: a@b.com\r\nAuto-Submitted: no", ""},
		{"auto-generated", "From: a@b.com\r\nAuto-Submitted: auto-generated", ReasonAutoReply},
		{"precedence junk", "From: a@b.com\r\nPrecedence: junk", ReasonAutoReply},
		{"precedence list", "From: a@b.com\r\nPrecedence: list", ReasonMailingList},
		{"list-post", "From: a@b.com\r\nList-Post: <mailto:l@x>", ReasonMailingList},
		{"x-autorespond", "From: a@b.com\r\nX-Autorespond: yes", ReasonAutoReply},
		{"null return-path", "Return-Path: <>\r\nFrom: a@b.com", ReasonAutoReply},
		{"ooo subject en", "From: a@b.com\r\nSubject: Automatic reply: your ticket", ReasonAutoReply},
		{"ooo subject pt", "From: a@b.com\r\nSubject: Resposta automática: [SUP-1] x", ReasonAutoReply},
		{"dsn", "From: a@b.com\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x", ReasonBounce},
		{"read receipt", "From: a@b.com\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x", ReasonAutoReply},
		{"postmaster", "From: Postmaster@b.com", ReasonBounce},
		{"failed recipients", "From: a@b.com\r\nX-Failed-Recipients: c@d", ReasonBounce},
		{"our own plus address", "From: suporte+SUP-1@acme.com.br", ReasonLoop},
		{"our header", "From: a@b.com\r\nX-Ticketgw-Ticket: SUP-1", ReasonLoop},
		{"no from", "Subject: scan", ReasonNoSender},
		{"unparseable from", "From: scanner", ReasonNoSender},
	}
	for _, tc := range tests {
		p, err := Parse([]byte(tc.head+"\r\n\r\nbody\r\n"), DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := classify(p, ours); got != tc.want {
			t.Errorf("%s: classify = %q, want %q", tc.name, got, tc.want)
		}
	}
}
