package mailin

import (
	"slices"
	"testing"
)

func TestSubject(t *testing.T) {
	tests := []struct {
		in, clean string
		tags      []string
		forward   bool
	}{
		{"Re: [SUP-1042] Erro ao emitir", "Erro ao emitir", []string{"SUP-1042"}, false},
		{"RES: RES: [SUP-1004] Cobrança", "Cobrança", []string{"SUP-1004"}, false},
		{"Res: [sup-7] senha", "senha", []string{"SUP-7"}, false},
		{"AW: WG: SV: VS: Antw: x", "x", nil, false},
		{"Fwd: Re: [SUP-1010] Erro 500", "Erro 500", []string{"SUP-1010"}, true},
		{"ENC: Falha no acesso", "Falha no acesso", nil, true},
		{"Re[2]: Re(3): FW: y", "y", nil, false},
		{"[SUP-0012] zero", "zero", []string{"SUP-12"}, false},
		{"[OTHER-12] outro sistema", "[OTHER-12] outro sistema", nil, false},
		{"Sugestão: lembrete de consulta", "Sugestão: lembrete de consulta", nil, false},
		{"Report: sales", "Report: sales", nil, false},
		{"Re:  [ SUP - 3 ]   espaços ", "espaços", []string{"SUP-3"}, false},
	}
	for _, tc := range tests {
		if got := cleanSubject(tc.in, "SUP"); got != tc.clean {
			t.Errorf("cleanSubject(%q) = %q, want %q", tc.in, got, tc.clean)
		}
		if got := subjectTags(tc.in, "sup"); !slices.Equal(got, tc.tags) {
			t.Errorf("subjectTags(%q) = %q, want %q", tc.in, got, tc.tags)
		}
		if got := isForward(tc.in, "SUP"); got != tc.forward {
			t.Errorf("isForward(%q) = %v", tc.in, got)
		}
	}
}

func TestDecodeHeader(t *testing.T) {
	tests := map[string]string{
		"=?UTF-8?B?Q2VydGlmaWNhZG8gZGlnaXRhbCBBMSB2ZW5jZSBuYSBwcsOzeGltYQ==?=\r\n =?UTF-8?B?IHNlbWFuYQ==?=": "Certificado digital A1 vence na próxima semana",
		"=?iso-8859-1?Q?Solicita=E7=E3o?= de =?windows-1252?Q?=93x=94?=":                                    "Solicitação de “x”",
		"caf\xe9 com leite":         "café com leite",
		"=?x-unknown-cs?Q?abc?= ok": "abc ok",
		"a\x00b\tc":                 "ab c",
	}
	for in, want := range tests {
		if got := decodeHeader(in); got != want {
			t.Errorf("decodeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnflow(t *testing.T) {
	in := "Atualizei para a \nversão 8.3.1.\n\n> quoted \n> more\n-- \nsig"
	want := "Atualizei para a versão 8.3.1.\n\n> quoted more\n-- \nsig"
	if got := unflow(in, false); got != want {
		t.Errorf("unflow = %q, want %q", got, want)
	}
	if got := unflow("ab \ncd", true); got != "abcd" {
		t.Errorf("delsp: %q", got)
	}
}

func TestCharsetLatin1IsWindows1252(t *testing.T) {
	got, err := toUTF8("iso-8859-1", []byte("\x93aspas\x94 \x96 \xe7"))
	if err != nil || got != "“aspas” – ç" {
		t.Fatalf("%q %v", got, err)
	}
	got, err = toUTF8("x-nope", []byte("ol\xe1"))
	if err == nil || got != "olá" {
		t.Fatalf("unknown charset: %q %v", got, err)
	}
}
