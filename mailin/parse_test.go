package mailin

import (
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/tickets"
)

func parse(t *testing.T, raw string) *Parsed {
	t.Helper()
	p, err := Parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseAlternativePrefersPlain(t *testing.T) {
	p := parse(t, `From: a@b.com
Content-Type: multipart/alternative; boundary=A

--A
Content-Type: text/plain; charset=utf-8

plain version
--A
Content-Type: text/html; charset=utf-8

<p>html version</p>
--A--
`)
	if p.Text != "plain version" {
		t.Fatalf("text %q", p.Text)
	}
}

func TestParseHTMLOnlyWithInlineImage(t *testing.T) {
	p := parse(t, `From: a@b.com
Content-Type: multipart/related; boundary=R

--R
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{font-family:Arial}</style></head><body><p>Ol=E1, veja <img src=3D"cid:img1" alt=3D"print"></p><script>alert(1)</script></body></html>
--R
Content-Type: image/png
Content-ID: <img1>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--R--
`)
	if !strings.Contains(p.Text, "Olá, veja") || strings.Contains(p.Text, "alert") || strings.Contains(p.Text, "font-family") {
		t.Fatalf("text %q", p.Text)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].ContentID != "img1" || p.Attachments[0].Filename != "attachment.png" || p.Attachments[0].Size != 8 {
		t.Fatalf("attachments %+v", p.Attachments)
	}
}

func TestParseFilenames(t *testing.T) {
	p := parse(t, `From: a@b.com
Content-Type: multipart/mixed; boundary=M

--M
Content-Type: text/plain

see files
--M
Content-Type: application/pdf
Content-Disposition: attachment; filename*0*=UTF-8''rela; filename*1*=t%C3%B3rio%20final.pdf

%PDF
--M
Content-Type: application/octet-stream; name="=?ISO-8859-1?Q?or=E7amento.xlsx?="

x
--M
Content-Type: text/plain
Content-Disposition: attachment; filename="../../etc/passwd"

root
--M
Content-Type: text/plain
Content-Disposition: attachment; filename="C:\Users\ana\log.txt"

log
--M--
`)
	var names []string
	for _, a := range p.Attachments {
		names = append(names, a.Filename)
	}
	want := "relatório final.pdf|orçamento.xlsx|passwd|log.txt"
	if strings.Join(names, "|") != want {
		t.Fatalf("names %q, want %q", names, want)
	}
	if p.Text != "see files" {
		t.Fatalf("text %q", p.Text)
	}
}

func TestParseAttachedMessageInlined(t *testing.T) {
	p := parse(t, `From: a@b.com
Subject: Fwd: pedido
Content-Type: multipart/mixed; boundary=M

--M
Content-Type: text/plain

segue abaixo
--M
Content-Type: message/rfc822

From: Cliente <c@d.com>
Subject: =?UTF-8?Q?Pedido_n=C3=A3o_chegou?=
Content-Type: multipart/mixed; boundary=N

--N
Content-Type: text/plain; charset=utf-8

O pedido não chegou.
--N
Content-Type: application/zip
Content-Disposition: attachment; filename=fotos.zip

PK
--N--
--M--
`)
	for _, want := range []string{"segue abaixo", "Subject: Pedido não chegou", "O pedido não chegou."} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %q: %q", want, p.Text)
		}
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "fotos.zip" {
		t.Errorf("attachments %+v", p.Attachments)
	}
}

func TestParseUnlabelled8bit(t *testing.T) {
	p := parse(t, "From: Jo\xe3o <joao@b.com>\nSubject: Cota\xe7\xe3o\nContent-Type: text/plain\n\nPre\xe7o da cota\xe7\xe3o\n")
	if p.Subject != "Cotação" || p.Text != "Preço da cotação" || p.FromName != "João" || p.From != "joao@b.com" {
		t.Fatalf("subject %q text %q name %q from %q", p.Subject, p.Text, p.FromName, p.From)
	}
}

func TestParseAttachmentOverLimit(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxAttachmentBytes = 10
	p, err := Parse([]byte("From: a@b.com\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n--M\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=big.zip\r\n\r\n"+strings.Repeat("z", 100)+"\r\n--M--\r\n"), lim)
	if err != nil {
		t.Fatal(err)
	}
	a := p.Attachments[0]
	if len(a.Data) != 10 || a.Size != 100 {
		t.Fatalf("kept %d of %d", len(a.Data), a.Size)
	}
	kept, refused := applyPolicy(tickets.AttachmentPolicy{MaxBytes: 50, Allowed: []string{"zip"}}, p.Attachments)
	if len(kept) != 0 || len(refused) != 1 || !strings.HasPrefix(refused[0].Reason, tickets.RefusedSize) {
		t.Fatalf("kept %+v refused %+v", kept, refused)
	}
}

func TestParseLimits(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxParts = 3
	var b strings.Builder
	b.WriteString("From: a@b.com\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n")
	for i := 0; i < 10; i++ {
		b.WriteString("--M\r\nContent-Type: text/plain\r\n\r\npart\r\n")
	}
	b.WriteString("--M--\r\n")
	p, err := Parse([]byte(b.String()), lim)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(p.Text, "part") != 3 || len(p.Problems) == 0 {
		t.Fatalf("text %q problems %q", p.Text, p.Problems)
	}
}
