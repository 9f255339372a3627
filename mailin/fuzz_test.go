package mailin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/mail/*.eml")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x--"))
	f.Add([]byte{})
	f.Add([]byte("From maria@cliente.com.br Thu Dec  3 07:00:00 2026\nFrom: maria@cliente.com.br\nSubject: x\n\nbody\n"))
	f.Add([]byte("From: maria@cliente.com.br\rSubject: cr only\r\rbody\r"))
	f.Add([]byte("From: a@b\r\nX-Bad: a\x00b\r\nSubj\xe9ct: y\r\n\r\nbody"))
	f.Add([]byte("  \r\nFrom: a@b\r\nSubject: leading space\r\n\r\nbody"))
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz--\r\n"))
	f.Add([]byte("From: maria@example.com <attacker@evil.com>, \"x, y\" <z@w>\r\n\r\n"))
	lim := DefaultLimits()
	lim.MaxParts = 50
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw, lim)
		if err != nil {
			return
		}
		if !utf8.ValidString(p.Text) || !utf8.ValidString(p.Subject) {
			t.Fatalf("invalid UTF-8 out of Parse")
		}
		for _, a := range p.Attachments {
			if int64(len(a.Data)) > a.Size || strings.ContainsAny(a.Filename, "/\x00") {
				t.Fatalf("bad part %q size %d len %d", a.Filename, a.Size, len(a.Data))
			}
		}
	})
}

func FuzzSubject(f *testing.F) {
	for _, s := range []string{
		"Re: RES: [SUP-1042] Erro", "ENC: Fwd: Re: [sup-7]", "[SUP-1][SUP-2] x", "Re[2]: AW: WG: [ SUP - 9 ] y",
		"=?UTF-8?B?UmU6IFtTVVAtMTAxNF0=?=", "Sugestão: lembrete", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, subject string) {
		s := decodeHeader(subject)
		clean := cleanSubject(s, "SUP")
		if len(clean) > len(s) {
			t.Fatalf("cleaned subject grew: %q → %q", s, clean)
		}
		if tags := subjectTags(clean, "SUP"); len(tags) != 0 {
			t.Fatalf("tags %v left in %q", tags, clean)
		}
		for _, k := range subjectTags(s, "SUP") {
			if !strings.HasPrefix(k, "SUP-") {
				t.Fatalf("tag %q", k)
			}
		}
		if again := cleanSubject(clean, "SUP"); again != clean {
			t.Fatalf("not idempotent: %q → %q → %q", s, clean, again)
		}
	})
}
