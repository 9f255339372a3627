package quote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// collapse joins runs of whitespace, as cases.json compares body text.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestCorpus runs the decoded plain-text bodies of the shared mail corpus
// (/work/shared/testdata/mail, copied to testdata/) against the
// body_contains / body_excludes of its cases.json. New tickets ("created")
// must pass with both Strip and StripSignature.
func TestCorpus(t *testing.T) {
	tests := []struct {
		file     string
		created  bool
		contains []string
		excludes []string
	}{
		{"001-gmail-novo-chamado.txt", true,
			[]string{"Rejeição 539: Duplicidade de NF-e", "Temos umas 15 notas paradas"},
			[]string{"Gerente Administrativa", "(11) 4523-8890"}},
		{"003-thunderbird-bugs-novo.txt", true,
			[]string{"Exportar para Excel funciona normalmente.", "Versão instalada: 8.2.7"},
			[]string{"Analista de Sistemas"}},
		{"007-thunderbird-resposta-re.txt", false,
			[]string{"Atualizei para a versão 8.3.1", "as colunas de desconto saem em branco"},
			[]string{"Em 23/11/2026 10:15, Suporte Acme escreveu:", "Recebemos sua solicitação", "Equipe de Suporte Acme", "Analista de Sistemas"}},
		{"008-outlook-resposta-RE.txt", false,
			[]string{"Conseguimos acessar agora, obrigado pelo retorno rápido!"},
			[]string{"Enviado: segunda-feira, 23 de novembro de 2026 16:05", "Identificamos uma falha na renovação", "Equipe de Suporte Acme"}},
		{"014-outlook-res-financeiro.txt", false,
			[]string{"Confirmo que vamos pagar o boleto que chegou por e-mail"},
			[]string{"Enviado em: segunda-feira, 23 de novembro de 2026 17:12", "O boleto válido é o enviado por e-mail", "Equipe Financeira Acme"}},
		{"015-aw-alemao.txt", false,
			[]string{"after you restored the mapping the sync ran fine tonight"},
			[]string{"Gesendet: Dienstag, 24. November 2026 14:18", "reset custom unit-of-measure mappings"}},
		{"016-enc-para-chamado.txt", false,
			[]string{"Estou incluindo o Dr. Henrique, que coordena a agenda"},
			[]string{"Enviado: terça-feira, 24 de novembro de 2026 11:03", "Sua sugestão foi registrada"}},
		{"017-re-re-iphone.txt", false,
			[]string{"Consegui transmitir 12 das 15 notas", "8812, 8813 e 8815"},
			[]string{"escreveu:", "inutilize a numeração pendente", "Enviado do meu iPhone"}},
		{"019-colega-responder-todos.txt", false,
			[]string{"As notas rejeitadas foram emitidas com a série 1"},
			[]string{"Em 23/11/2026 09:02, Mariana Costa escreveu:", "Desde ontem à tarde não conseguimos emitir"}},
		{"026-horde-res-citando.txt", false,
			[]string{"Entrei com a senha provisória, troquei a senha", "Podem encerrar o chamado."},
			[]string{"Citando Suporte Acme <suporte@acme.com.br>:", "Enviamos uma senha provisória para o celular"}},
		{"027-sylpheed-resposta-intercalada.txt", false,
			[]string{"Nenhum teve movimento.", "Sim, mantenham o código mais antigo.", "Bom dia,", "Obrigado, Cláudio"},
			[]string{"Suporte Acme <suporte@acme.com.br> escreveu:", "Algum dos produtos duplicados já teve venda", "Conseguimos remover os duplicados", "Em Wed, 25 Nov 2026"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			fns := map[string]func(string) string{"Strip": Strip}
			if tt.created {
				fns["StripSignature"] = StripSignature
			}
			for name, fn := range fns {
				got := collapse(fn(string(b)))
				for _, s := range tt.contains {
					if !strings.Contains(got, collapse(s)) {
						t.Errorf("%s: missing %q in:\n%s", name, s, got)
					}
				}
				for _, s := range tt.excludes {
					if strings.Contains(got, collapse(s)) {
						t.Errorf("%s: unexpected %q in:\n%s", name, s, got)
					}
				}
			}
		})
	}
}

func TestStrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Signatures.
		{"en sig before quote", "Thanks, fixed.\n\n-- \nJohn Doe\nACME\n\nOn Mon, Nov 23, 2026 at 10:15 AM Support <s@a.com> wrote:\n> old",
			"Thanks, fixed."},
		{"pt sig without trailing space", "Oi\n--\nFulano\nEmpresa", "Oi"},
		{"dashes inside text do not cut", "Use a opção a -- b no comando.\nDepois reinicie.", "Use a opção a -- b no comando.\nDepois reinicie."},
		{"longer dash line does not cut", "Resultado:\n----\nok", "Resultado:\n----\nok"},

		// Mobile taglines.
		{"tagline pt iphone", "Pode fechar.\n\nEnviado do meu iPhone\n\n> Em 23/11/2026 10:15, X escreveu:\n> old", "Pode fechar."},
		{"tagline en iphone", "Done.\n\nSent from my iPhone\n\n> old", "Done."},
		{"tagline pt ipad", "Ok\n\nEnviado do meu iPad", "Ok"},
		{"tagline samsung", "Ok\n\nEnviado do meu smartphone Samsung Galaxy.\n\n-------- Mensagem original --------\nDe: X\nold", "Ok"},
		{"tagline pt android", "Ok\nEnviado do meu Android", "Ok"},
		{"tagline en android", "Ok\nSent from my Android", "Ok"},
		{"tagline outlook ios", "Ok\nSent from Outlook for iOS", "Ok"},
		{"tagline outlook android", "Ok\nSent from Outlook for Android", "Ok"},
		{"tagline obter outlook", "Ok\n\nObter o Outlook para iOS\n________________________________\nDe: Suporte <s@a.com.br>\nEnviado: ontem\nPara: X\nAssunto: Y\n\nold", "Ok"},
		{"tagline obter outlook android", "Ok\nObter o Outlook para Android", "Ok"},
		{"tagline get outlook", "Ok\nGet Outlook for iOS", "Ok"},
		{"tagline es", "Listo\nEnviado desde mi iPhone", "Listo"},
		{"tagline de", "Danke\nVon meinem iPhone gesendet", "Danke"},
		{"tagline words inside a sentence stay", "Enviado do meu e-mail pessoal também.\nSent from my iPhone the photos are blurry",
			"Enviado do meu e-mail pessoal também.\nSent from my iPhone the photos are blurry"},

		// ">" quotes.
		{"top posting", "Resolvido, obrigado.\n\n> Olá\n>> mais antigo\n>texto", "Resolvido, obrigado."},
		{"bottom posting", "> Pergunta?\n\nResposta.", "Resposta."},
		{"interleaved answers kept", "Oi,\n\n> q1\nanswer1\n> q2\n> q2b\nanswer2\n\n> fim\n\nAbraço",
			"Oi,\n\nanswer1\n\nanswer2\n\nAbraço"},

		// Attributions.
		{"en gmail attribution", "Sounds good.\n\nOn Mon, Nov 23, 2026 at 10:15 AM Acme Support <support@acme.com> wrote:\n\n> Hello\n> old",
			"Sounds good."},
		{"en attribution wrapped", "Sounds good.\n\nOn Mon, Nov 23, 2026 at 10:15 AM Acme Support <\nsupport@acme.com> wrote:\n> Hello",
			"Sounds good."},
		{"attribution wrapped over three lines", "Ok.\n\nOn Mon, Nov 23, 2026 at 10:15 AM\nAcme Support Team Brazil <\nsupport@acme.com> wrote:\n\n> Hello",
			"Ok."},
		{"gmail pt attribution wrapped", "Ok.\n\nEm seg., 23 de nov. de 2026 às 10:15, Suporte Acme <\nsuporte@acme.com.br> escreveu:\n> Olá",
			"Ok."},
		{"opener sentence before attribution-like line is kept", "Em 2025 trocamos o servidor.\nO técnico escreveu:\n> algo\nFim.",
			"Em 2025 trocamos o servidor.\n\nFim."},
		{"nbsp-only lines are blank", "a\n\u00a0\n\u00a0\nb", "a\n\nb"},
		{"pt thunderbird attribution", "Feito.\n\nEm 23/11/2026 10:15, Suporte Acme escreveu:\n> Olá", "Feito."},
		{"pt apple attribution", "Feito.\n\nEm 23 de nov. de 2026, à(s) 16:41, Suporte Acme <suporte@acme.com.br> escreveu:\n\n> Olá", "Feito."},
		{"pt name-only attribution", "Certo.\n\nSuporte Acme <suporte@acme.com.br> escreveu:\n> texto", "Certo."},
		{"es attribution", "Perfecto, gracias.\n\nEl lun, 23 nov 2026 a las 10:15, Soporte Acme (<soporte@acme.com>) escribió:\n> Hola",
			"Perfecto, gracias."},
		{"fr attribution", "Merci.\n\nLe lun. 23 nov. 2026 à 10:15, Support Acme <s@a.fr> a écrit :\n> Bonjour", "Merci."},
		{"de attribution", "Danke.\n\nAm 24.11.2026 um 14:18 schrieb Acme Support <support@acme.com>:\n> Hallo", "Danke."},
		{"horde citando", "Ok.\n\nCitando Suporte Acme <suporte@acme.com.br>:\n\n> Olá", "Ok."},
		{"horde quoting", "Ok.\n\nQuoting Acme Support <support@acme.com>:\n\n> Hello", "Ok."},
		{"two-line attribution interleaved", "Hi,\n\nOn Wed, 25 Nov 2026 10:02:11 -0300\nAcme Support <s@a.com> wrote:\n\n> q1\n\nanswer1\n\n> q2\n\nanswer2",
			"Hi,\n\nanswer1\n\nanswer2"},
		{"bold attribution", "Ok\n\n*On Mon, Nov 23, 2026 at 10:15 AM X <x@y.com> wrote:*\n> a", "Ok"},
		{"attribution at end of text", "Ok\n\nEm 23/11/2026 10:15, Suporte Acme escreveu:", "Ok"},
		{"dated attribution over unquoted history", "Feito.\n\nEm 23/11/2026 10:15, Suporte Acme escreveu:\nOlá Fábio,\nTexto antigo", "Feito."},
		{"dated sentence ending in escreveu stays", "Em 2025 o técnico de vocês escreveu:\nReinicie o serviço.\nFiz isso.",
			"Em 2025 o técnico de vocês escreveu:\nReinicie o serviço.\nFiz isso."},
		{"sentence ending in escreveu stays", "O técnico de vocês escreveu:\n\nReinicie o serviço.\n\nFiz isso e não resolveu.",
			"O técnico de vocês escreveu:\n\nReinicie o serviço.\n\nFiz isso e não resolveu."},
		{"sentence ending in colon stays", "Seguem os passos:\n1. abrir\n2. fechar", "Seguem os passos:\n1. abrir\n2. fechar"},
		{"wrote mid-sentence stays", "I wrote: the file is missing.\nPlease check.", "I wrote: the file is missing.\nPlease check."},

		// Outlook-style header blocks.
		{"en header block", "Done.\n\nFrom: Acme Support <s@a.com>\nSent: Monday, November 23, 2026 4:05 PM\nTo: X\nCc: Y\nSubject: RE: Z\n\nold",
			"Done."},
		{"en header block with date", "Done.\n\nFrom: Acme <s@a.com>\nDate: Mon, 23 Nov 2026\nSubject: Z\nTo: X\n\nold", "Done."},
		{"pt header block bold", "Feito.\n\n*De:* Suporte Acme <s@a.com.br>\n*Enviada em:* 23/11/2026\n*Para:* X\n*Assunto:* Y\n\nold", "Feito."},
		{"pt header block mailto", "Feito.\n\nDe: Financeiro Acme [mailto:suporte@acme.com.br]\nEnviado em: segunda-feira\nPara: X\nAssunto: Y\n\nold", "Feito."},
		{"pt header block with blank lines", "Ok.\n\nDe: A <a@b.com>\n\nEnviado: ontem\n\nPara: B\n\nAssunto: C\n\nold", "Ok."},
		{"es header block", "Listo.\n\nDe: Soporte Acme <s@a.es>\nEnviado el: lunes, 23 de noviembre de 2026 16:05\nPara: X\nAsunto: Y\n\nold", "Listo."},
		{"es header block fecha", "Listo.\n\nDe: Soporte Acme <s@a.es>\nFecha: lunes, 23 de noviembre de 2026 16:05\nPara: X\nAsunto: Y\n\nold", "Listo."},
		{"de header block", "Danke.\n\nVon: Acme <s@a.de>\nDatum: 24. November 2026\nAn: X\nBetreff: Y\n\nalt", "Danke."},
		{"fr header block", "Merci.\n\nDe : Support <s@a.fr>\nEnvoyé : lundi 23 novembre 2026 16:05\nÀ : X\nObjet : Y\n\nvieux", "Merci."},
		{"underscores over from", "Done.\n\n________________________________\nFrom: Acme <s@a.com>\nold", "Done."},

		// Separator lines.
		{"sep mensagem original", "Veja.\n\n-----Mensagem original-----\nDe: x\nold", "Veja."},
		{"sep original message", "See.\n\n-----Original Message-----\nold", "See."},
		{"sep mensaje original", "Mira.\n\n-----Mensaje original-----\nold", "Mira."},
		{"sep ursprüngliche nachricht", "Siehe.\n\n-----Ursprüngliche Nachricht-----\nalt", "Siehe."},
		{"sep forwarded", "FYI\n\n---------- Forwarded message ---------\nFrom: X <x@y.com>\nold", "FYI"},
		{"sep encaminhada", "Segue\n\n---------- Mensagem encaminhada ---------\nDe: X <x@y.com>\nold", "Segue"},
		{"sep begin forwarded", "Segue\n\nBegin forwarded message:\n\nFrom: X\nold", "Segue"},
		{"sep início encaminhada", "Segue\n\nInício da mensagem encaminhada:\n\nDe: X\nold", "Segue"},

		// Lookalikes that must not cut.
		{"para alone", "Aviso importante\nPara: todos os usuários\nO sistema ficará fora do ar.",
			"Aviso importante\nPara: todos os usuários\nO sistema ficará fora do ar."},
		{"de mid-line", "Recebi a cobrança De: fulano ontem.\nEnviado: hoje\nAssunto: resolvido",
			"Recebi a cobrança De: fulano ontem.\nEnviado: hoje\nAssunto: resolvido"},
		{"from and to only", "De: São Paulo\nPara: Rio de Janeiro\nCarga de 3 paletes.", "De: São Paulo\nPara: Rio de Janeiro\nCarga de 3 paletes."},
		{"from and sent without subject", "From: the warehouse\nSent: 3 boxes\nAll arrived.", "From: the warehouse\nSent: 3 boxes\nAll arrived."},
		{"underscores without from", "Assinatura:\n______________\nNome", "Assinatura:\n______________\nNome"},

		// Normalisation and fallbacks.
		{"crlf and blank runs", "\r\n\r\nOi\r\n\r\n\r\n\r\nTudo bem?  \r\n-- \r\nsig", "Oi\n\nTudo bem?"},
		{"lone cr", "a\rb\r\r\rc", "a\nb\n\nc"},
		{"all quote is kept", "> only quote\n> more", "> only quote\n> more"},
		{"all quote minus signature", "Enviado do meu iPhone\n\n> Em 23/11/2026 10:15, X escreveu:\n> texto", "> Em 23/11/2026 10:15, X escreveu:\n> texto"},
		{"starts with header block", "De: A <a@b.com>\nEnviado: ontem\nPara: B\nAssunto: C\n\nCorpo encaminhado\n\n-- \nSig de A",
			"De: A <a@b.com>\nEnviado: ontem\nPara: B\nAssunto: C\n\nCorpo encaminhado\n\n--\nSig de A"},
		{"only a signature", "-- \nFulano", "--\nFulano"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Strip(tt.in); got != tt.want {
				t.Errorf("Strip(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripSignature(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"no signature", "Texto\n\n\nmais  ", "Texto\n\nmais"},
		{"signature at end", "Texto\n-- \nFulano\n(11) 1234", "Texto"},
		{"sig before gmail forward keeps forward and its sig",
			"Segue abaixo.\n\n-- \nFulano\nEmpresa\n\n---------- Forwarded message ---------\nFrom: X <x@y.com>\nDate: Mon, 23 Nov 2026\nSubject: Z\nTo: Y\n\nTexto encaminhado\n\n-- \nSig do X",
			"Segue abaixo.\n\n---------- Forwarded message ---------\nFrom: X <x@y.com>\nDate: Mon, 23 Nov 2026\nSubject: Z\nTo: Y\n\nTexto encaminhado\n\n--\nSig do X"},
		{"sig before outlook header block",
			"Veja.\n\nAtt,\n-- \nFulano\n(11) 1234\nDe: X <x@y.com>\nEnviado: segunda-feira\nPara: Y\nAssunto: Z\n\ncorpo",
			"Veja.\n\nAtt,\n\nDe: X <x@y.com>\nEnviado: segunda-feira\nPara: Y\nAssunto: Z\n\ncorpo"},
		{"sig before original message", "Ok\n--\nSig\n-----Original Message-----\nold", "Ok\n\n-----Original Message-----\nold"},
		{"sig before quote", "Ok\n-- \nSig\n\nEm 23/11/2026 10:15, X escreveu:\n> old", "Ok\n\nEm 23/11/2026 10:15, X escreveu:\n> old"},
		{"tagline before apple forward",
			"Segue.\n\nEnviado do meu iPhone\n\nInício da mensagem encaminhada:\n\nDe: X <x@y.com>\nData: 23 de novembro de 2026\nAssunto: Z\n\ncorpo",
			"Segue.\n\nInício da mensagem encaminhada:\n\nDe: X <x@y.com>\nData: 23 de novembro de 2026\nAssunto: Z\n\ncorpo"},
		{"sig in forwarded part is kept", "---------- Forwarded message ---------\nFrom: X\n\ncorpo\n-- \nSig do X",
			"---------- Forwarded message ---------\nFrom: X\n\ncorpo\n--\nSig do X"},
		{"only signature", "-- \nFulano", "--\nFulano"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripSignature(tt.in); got != tt.want {
				t.Errorf("StripSignature(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzStrip(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	replies, _ := filepath.Glob("testdata/replies/*.txt")
	for _, name := range append(files, replies...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"", "--", "-- \r\n", ">", "a\n> b\nc", "De: a\nEnviado: b\nAssunto: c",
		"Em 1\nX escreveu:", "On 1\n", "____________\nFrom: x", "\r\r\n",
		// The shapes of attribution_langs.go, headerblock_langs.go and
		// tagline_langs.go.
		"a. On 1 2026 10:15 X <x@y> wrote:\n> q", "a\n\n2014-03-20 8:48 GMT+01:00 X <x@y>:\nb",
		"---- On 1 X wrote ----\nb", "Op 1\nX\n<x@y>:", "a\u00a0:\n\u202f", "差出人：X\n送信日時：1\n件名：Y",
		">>> x\n>> y\n> z", ">=", "*--- Original Message ---*", "____________\nmailing list",
		"Sent from my iPhone\nb", "From: X <x@y> Sent: 1 To: Y Subject: Z", "Köszönöm. X <x@y> ezt írta (1, 10:15):",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for name, fn := range map[string]func(string) string{"Strip": Strip, "StripSignature": StripSignature} {
			out := fn(in)
			if len(out) > len(in) {
				t.Errorf("%s: %d bytes out of %d in: %q", name, len(out), len(in), out)
			}
			if strings.Contains(out, "\r") {
				t.Errorf("%s: CR left in %q", name, out)
			}
			if out == "" && tidy(splitLines(in)) != "" {
				t.Errorf("%s: nothing left of %q", name, in)
			}
		}
	})
}
