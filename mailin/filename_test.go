package mailin

import (
	"strings"
	"testing"

	"github.com/emersion/go-message"
)

// TestPartFilename reads names as the mail clients that write them do:
// RFC 2231 in charsets other than UTF-8 (which go-message drops), mixed
// continuations, RFC 2047 words inside quotes, raw 8-bit bytes.
func TestPartFilename(t *testing.T) {
	for _, tc := range []struct {
		disp, ctype, want string
	}{
		{`attachment; filename*=iso-8859-1''inst%E4llningar.txt`, "", "inställningar.txt"},
		{`attachment; filename*=ISO-8859-1'sv'inst%E4llningar.txt`, "", "inställningar.txt"},
		{`attachment; filename*=windows-1251''%CE%F2%F7%E5%F2.pdf`, "", "Отчет.pdf"},
		{`attachment; filename*=koi8-r''%EF%D4%DE%C5%D4.pdf`, "", "Отчет.pdf"},
		{`attachment; filename*=shift_jis''%95%F1%8D%90.pdf`, "", "報告.pdf"},
		{`attachment; filename*=gb2312''%B1%A8%B8%E6.pdf`, "", "报告.pdf"},
		{`attachment; filename*=utf-8''relat%C3%B3rio.pdf`, "", "relatório.pdf"},
		{`attachment; filename*0*=UTF-8''rela; filename*1*=t%C3%B3rio; filename*2=" final.pdf"`, "", "relatório final.pdf"},
		{`attachment; filename*1="b.pdf"; filename*0="a"`, "", "ab.pdf"}, // out of order
		{`attachment; filename*=''sem-charset.txt`, "", "sem-charset.txt"},
		{`attachment; filename*=x-unknown-cs''caf%E9.txt`, "", "café.txt"}, // read as windows-1252
		{`attachment; filename="plain.pdf"; filename*=utf-8''estendido.pdf`, "", "estendido.pdf"},
		{`attachment; filename="=?ISO-8859-1?Q?or=E7amento.xlsx?="`, "", "orçamento.xlsx"},
		{`attachment; filename="=?utf-8?B?cmVsYXTDs3Jpby5wZGY=?="`, "", "relatório.pdf"},
		{"attachment; filename=\"caf\xe9.txt\"", "", "café.txt"},                     // raw latin-1
		{"attachment; filename=\"relat\xc3\xb3rio.pdf\"", "", "relatório.pdf"},       // raw UTF-8
		{`attachment; filename="first.pdf"; filename="second.pdf"`, "", "first.pdf"}, // duplicates
		{`attachment; junk; filename=token.pdf`, "", "token.pdf"},
		{`attachment; filename="unclosed.pdf`, "", "unclosed.pdf"},
		{`attachment; filename*=UTF-8''photo%E2%80%AEgpj.pdf`, "", "photogpj.pdf"},
		{`attachment; filename*=UTF-8''evil%00.exe.pdf`, "", "evil.exe.pdf"},
		{`attachment; filename="C:\Users\ana\log.txt"`, "", "log.txt"},
		{`attachment; filename="say \"hi\".txt"`, "", `say "hi".txt`},
		{`attachment`, `application/pdf; name="=?iso-8859-1?Q?cota=E7=E3o.pdf?="`, "cotação.pdf"},
		{`attachment; filename=""`, `application/pdf; name*=iso-8859-2''%B3%F3d%BC.pdf`, "łódź.pdf"},
		{``, `application/octet-stream`, ""},
		{`inline; filename*=utf-8''`, ``, ""},
	} {
		var h message.Header
		if tc.disp != "" {
			h.Set("Content-Disposition", tc.disp)
		}
		if tc.ctype != "" {
			h.Set("Content-Type", tc.ctype)
		}
		if got := partFilename(h); got != tc.want {
			t.Errorf("disposition %q type %q: %q, want %q", tc.disp, tc.ctype, got, tc.want)
		}
	}
}

// TestParseAttachmentTypes stores the type the bytes and the name agree
// on, not the one the sender declared.
func TestParseAttachmentTypes(t *testing.T) {
	p := parse(t, `From: a@b.com
Content-Type: multipart/mixed; boundary=M

--M
Content-Type: text/plain

files
--M
Content-Type: text/html
Content-Disposition: attachment; filename="report.pdf"

<html><body><script>alert(1)</script></body></html>
--M
Content-Type: image/svg+xml
Content-Disposition: attachment; filename="image.png"

<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>
--M
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=UTF-8''boleto.pdf

%PDF-1.4 real enough
--M
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''invoice%E2%80%AEfdp.exe

MZ
--M--
`)
	var got []string
	for _, a := range p.Attachments {
		got = append(got, a.Filename+" "+a.ContentType)
	}
	want := "report.pdf application/octet-stream|image.png application/octet-stream|boleto.pdf application/pdf|invoicefdp.exe text/plain"
	if strings.Join(got, "|") != want {
		t.Fatalf("attachments\n%q\nwant\n%q", strings.Join(got, "|"), want)
	}
}

func FuzzHeaderParams(f *testing.F) {
	for _, s := range []string{
		`attachment; filename*0*=UTF-8''rela; filename*1*=t%C3%B3rio; filename*2=" final.pdf"`,
		`attachment; filename="a\"b;c.pdf"; size=3`, `x; a*=''%`, `x; a*99999999999="y"`, `;;=;"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for k, val := range headerParams(v) {
			if k != strings.ToLower(k) || strings.Contains(k, "*") {
				t.Fatalf("name %q", k)
			}
			if len(val) > 4*len(v)+16 {
				t.Fatalf("value %q grew from %q", val, v)
			}
		}
	})
}
