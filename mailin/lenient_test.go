package mailin

import (
	"bytes"
	"strings"
	"testing"
)

// TestParseLenientShapes feeds the shapes real delivery agents and broken
// clients produce and checks that each still gives its sender, subject and
// body, and that every repair is noted.
func TestParseLenientShapes(t *testing.T) {
	const headers = "From: Maria Souza <maria@cliente.com.br>\nTo: suporte@acme.com.br\nSubject: Erro ao emitir nota\nMessage-ID: <m1@cliente.com.br>\n"
	const body = "Bom dia,\nO sistema trava ao emitir a nota.\n"
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	tests := []struct {
		name    string
		raw     string
		from    string
		subject string
		text    string
		repair  string // a word the noted repair must contain; "" when none is due
	}{
		{"crlf as sent", crlf(headers + "\n" + body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
		{"lf only", headers + "\n" + body, "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
		{"cr only", strings.ReplaceAll(headers+"\n"+body, "\n", "\r"), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "CR"},
		{"mixed line ends", strings.Replace(crlf(headers), "\r\n", "\r", 2) + "\r\n" + body, "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "CR"},
		{"mbox From_ line (postfix flags=F)", "From maria@cliente.com.br  Wed Dec  2 10:00:00 2026\n" + headers + "\n" + body, "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "mbox"},
		{"mbox From_ of a bounce, CRLF", crlf("From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n" + headers + "\n" + body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "mbox"},
		{"mbox From_ then CR only", strings.ReplaceAll("From maria@cliente.com.br Wed Dec 2 10:00:00 2026\n"+headers+"\n"+body, "\n", "\r"), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "mbox"},
		{"blank line before the header", "\r\n\r\n" + crlf(headers+"\n"+body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "white space"},
		{"space before the first field", "  " + crlf(headers+"\n"+body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "white space"},
		{"NUL in a field name", crlf("From: maria@cliente.com.br\nSub\x00ject: Erro ao emitir nota\n\n" + body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
		{"NUL in a field value", crlf("From: maria@cliente.com.br\nSubject: Erro ao\x00 emitir nota\n\n" + body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
		{"8-bit field name is skipped", crlf("From: maria@cliente.com.br\nX-Ação: sim\nSubject: Erro ao emitir nota\n\n" + body), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", "malformed"},
		{"8-bit Latin-1 subject", "From: maria@cliente.com.br\r\nSubject: Erro na emiss\xe3o\r\n\r\n" + crlf(body), "maria@cliente.com.br", "Erro na emissão", "O sistema trava", ""},
		{"no blank line before the body", crlf("From: maria@cliente.com.br\nSubject: Erro ao emitir nota\nBom dia, o sistema trava ao emitir a nota.\n"), "maria@cliente.com.br", "Erro ao emitir nota", "o sistema trava", "blank line"},
		{"multipart without its boundary", crlf("From: maria@cliente.com.br\nSubject: Erro ao emitir nota\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n--=_b1\nContent-Type: text/plain; charset=utf-8\n\nO sistema trava ao emitir a nota.\n--=_b1\nContent-Type: application/pdf; name=nota.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--=_b1--\n"), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
		{"multipart without boundary or delimiter", crlf("From: maria@cliente.com.br\nSubject: Erro ao emitir nota\nContent-Type: multipart/alternative\n\nO sistema trava ao emitir a nota.\n"), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
		{"multipart without its closing delimiter", crlf("From: maria@cliente.com.br\nSubject: Erro ao emitir nota\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nO sistema trava ao emitir a nota.\n"), "maria@cliente.com.br", "Erro ao emitir nota", "O sistema trava", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			keep := bytes.Clone(raw)
			p, err := Parse(raw, DefaultLimits())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !bytes.Equal(raw, keep) {
				t.Fatal("Parse changed its input")
			}
			if p.From != tc.from || p.Subject != tc.subject {
				t.Fatalf("from %q subject %q, want %q %q", p.From, p.Subject, tc.from, tc.subject)
			}
			if !strings.Contains(p.Text, tc.text) {
				t.Fatalf("text %q lacks %q", p.Text, tc.text)
			}
			if strings.Contains(p.Text, "Subject:") || strings.Contains(p.Text, "From ") {
				t.Fatalf("header lines leaked into the text: %q", p.Text)
			}
			if tc.repair != "" && !strings.Contains(strings.Join(p.Problems, "; "), tc.repair) {
				t.Fatalf("problems %q do not note the repair %q", p.Problems, tc.repair)
			}
			if strings.Contains(tc.name, "boundary") && strings.Contains(tc.name, "multipart without its boundary") && len(p.Attachments) != 1 {
				t.Fatalf("attachments %+v, want the pdf", p.Attachments)
			}
		})
	}
}

// TestParseUnparseable keeps ErrUnparseable for what no lenient reading
// turns into a header and a body.
func TestParseUnparseable(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":          "",
		"blank":          " \r\n\t\r\n",
		"binary":         "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
		"prose only":     "olá, isto não é um email\ncom duas linhas\n",
		"mbox line only": "From maria@cliente.com.br Wed Dec  2 10:00:00 2026\n",
	} {
		if _, err := Parse([]byte(raw), DefaultLimits()); err == nil {
			t.Errorf("%s: parsed, want ErrUnparseable", name)
		}
	}
}

// TestParseOversizedHeader keeps the fields that fit and the body.
func TestParseOversizedHeader(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: maria@cliente.com.br\r\nSubject: Muitos campos\r\n")
	for b.Len() < 300<<10 {
		b.WriteString("X-Filler: " + strings.Repeat("a", 900) + "\r\n")
	}
	b.WriteString("\r\nO corpo chega.\r\n")
	p, err := Parse([]byte(b.String()), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.From != "maria@cliente.com.br" || p.Subject != "Muitos campos" || !strings.Contains(p.Text, "O corpo chega.") {
		t.Fatalf("from %q subject %q text %q", p.From, p.Subject, p.Text)
	}
	if !strings.Contains(strings.Join(p.Problems, ";"), "size limit") {
		t.Fatalf("problems %q", p.Problems)
	}
}

// TestReadableNoCopy checks that ordinary mail is read in place: the
// lenient reading must cost nothing when nothing needs repair.
func TestReadableNoCopy(t *testing.T) {
	for _, raw := range [][]byte{
		[]byte("From: a@b.com\r\nSubject: x\r\n\r\nbody\r\n"),
		[]byte("From: a@b.com\nSubject: x\n\nbody\n"),
	} {
		got, notes := readable(raw, DefaultLimits().MaxHeaderBytes)
		if &got[0] != &raw[0] || len(got) != len(raw) || notes != nil {
			t.Fatalf("%q was copied or noted: %q", raw, notes)
		}
	}
}
