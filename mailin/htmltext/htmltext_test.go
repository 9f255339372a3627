package htmltext

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

const wordHTML = `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=Generator content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\:* {behavior:url(#default#VML);}
</style><![endif]--><style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-family:"Calibri",sans-serif;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1" /></o:shapelayout>
</xml><![endif]--></head>
<body lang=PT-BR link="#0563C1" style='word-wrap:break-word'><div class=WordSection1>
<p class=MsoNormal>Pessoal,<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Podem verificar com urg&ecirc;ncia?<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Ricardo Almeida<o:p></o:p></p>
<p class=MsoNormal>Construtora Viga<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>
<p class=MsoNormal><b>De:</b> Juliana Prado &lt;juliana@viga.com.br&gt; <br>
<b>Enviado:</b> segunda-feira, 23 de novembro de 2026 08:47<br>
<b>Para:</b> Ricardo Almeida<br>
<b>Assunto:</b> Portal<o:p></o:p></p></div>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal>Texto da Juliana.<o:p></o:p></p>
</div></body></html>`

const scriptPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Chamado</title>
<style type="text/css">body { font-family: Verdana, sans-serif; }</style>
<script type="text/javascript">function rastrear() { document.getElementById('x').src = '/t'; }</script>
</head>
<body onload="rastrear()">
<p>Boa tarde!</p>
<script>document.getElementById('x')</script>
<p>Loja: Farm&aacute;cia S&atilde;o Lucas</p>
<noscript>Ative o JavaScript</noscript>
<style>p { font-family: Arial }</style>
</body></html>`

func TestConvert(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"plain text", "just text", "just text"},
		{"word html with mso comments and style", wordHTML,
			"Pessoal,\n\nPodem verificar com urgência?\n\nRicardo Almeida\nConstrutora Viga\n\n" +
				"De: Juliana Prado <juliana@viga.com.br>\nEnviado: segunda-feira, 23 de novembro de 2026 08:47\n" +
				"Para: Ricardo Almeida\nAssunto: Portal\n\nTexto da Juliana."},
		{"script and style", scriptPage, "Boa tarde!\n\nLoja: Farmácia São Lucas"},
		{"entities", `<p>a&nbsp;b &eacute; &#8220;c&#8221; &amp; &lt;d&gt; &copy; &#x41;</p>`,
			"a b é “c” & <d> © A"},
		{"whitespace collapses", "<p>  um \n\t dois   </p>\n\n<p>\ttrês</p>", "um dois\n\ntrês"},
		{"trailing nbsp trimmed", "<p>fim&nbsp;&nbsp;</p>", "fim"},
		{"pre keeps whitespace", "<p>log:</p><pre>\n  x  y\n\tz\n</pre><p>fim</p>", "log:\n\n  x  y\n\tz\n\nfim"},
		{"br", "a<br>b<br><br><br><br>c", "a\nb\n\nc"},
		{"gmail empty lines", "<div>Oi,</div><div><br></div><div>texto</div>", "Oi,\n\ntexto"},
		{"list", "<p>Passos:</p><ul><li>um</li><li>dois<ul><li>dois.um</li></ul></li></ul><ol><li>três</li></ol>",
			"Passos:\n\n- um\n- dois\n  - dois.um\n\n- três"},
		{"list without end tags", "<ul><li>a<li>b</ul>depois", "- a\n- b\n\ndepois"},
		{"link", `Veja <a href="https://acme.com.br/portal">o portal</a>.`, "Veja o portal (https://acme.com.br/portal)."},
		{"link same as text", `<a href="https://www.acme.com.br/">acme.com.br</a>`, "acme.com.br"},
		{"link url as text", `<a href="http://x.io/a">http://x.io/a</a>`, "http://x.io/a"},
		{"mailto link", `<a href="mailto:a@b.com">Ana</a>`, "Ana"},
		{"link without text", `a<a href="https://t.example/p"><img src="p.gif"></a>b`, "ab"},
		{"image alt", `<p>Logo: <img src="x.png" alt="Acme"> <img src="y.png" alt="">fim</p>`, "Logo: Acme fim"},
		{"linked image alt", `<a href="https://fb.com/acme"><img alt="Facebook"></a>`, "Facebook (https://fb.com/acme)"},
		{"blockquote", "<p>Resposta</p><blockquote><p>Pergunta</p><blockquote>Mais antiga</blockquote></blockquote><p>Depois</p>",
			"Resposta\n\n> Pergunta\n>\n> > Mais antiga\n\nDepois"},
		{"blockquote with br", "<blockquote>l1<br>l2<br><br>l3</blockquote>", "> l1\n> l2\n>\n> l3"},
		{"unclosed blockquote closed by parent", "<div><blockquote>q</div>a", "> q\n\na"},
		{"gmail quote", `<div dir="ltr">Obrigado!</div><br><div class="gmail_quote gmail_quote_container">` +
			`<div dir="ltr" class="gmail_attr">Em seg., 23 de nov. de 2026 às 10:15, Suporte &lt;s@a.com&gt; escreveu:<br></div>` +
			`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Olá<br><br>texto antigo` +
			`<div class="gmail_quote"><blockquote class="gmail_quote">mais antigo</blockquote></div></blockquote></div>`,
			"Obrigado!\n\n> Em seg., 23 de nov. de 2026 às 10:15, Suporte <s@a.com> escreveu:\n>\n> Olá\n>\n> texto antigo\n>\n> > mais antigo"},
		{"outlook web reply", `<div>Resposta nova</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%">` +
			`<div id="divRplyFwdMsg" dir="ltr"><font><b>From:</b> Acme &lt;s@a.com&gt;<br><b>Sent:</b> Monday<br>` +
			`<b>Subject:</b> Z</font><div>&nbsp;</div></div><div>old</div>`,
			"Resposta nova\n\n-----Original Message-----\n\nFrom: Acme <s@a.com>\nSent: Monday\nSubject: Z\n\nold"},
		{"outlook web reply quoted again", `<div>novo</div><div id="x_divRplyFwdMsg"><b>De:</b> X</div><div>velho</div>`,
			"novo\n\n-----Original Message-----\nDe: X\nvelho"},
		{"comments", "a<!-- escondido -->b<!--[if mso]>mso<![endif]-->c", "abc"},
		{"downlevel-revealed conditional", "<![if !supportLists]>1.<![endif]> item", "1. item"},
		{"conditional xml", "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings>secret</o:OfficeDocumentSettings></xml><![endif]-->Olá", "Olá"},
		{"xml island", "<xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml>Olá", "Olá"},
		{"head without end tag", "<html><head><title>T</title><meta x=y><p>Corpo", "Corpo"},
		{"text in head", "<head>meta-lixo</head><body>Corpo</body>", "Corpo"},
		{"svg", "<p>a</p><svg><text>gráfico</text></svg><p>b</p>", "a\n\nb"},
		{"unclosed svg ends at html", "<svg><text>x</text><p>visível", "visível"},
		{"template object", "<template>t</template><object>o<param name=x></object>ok", "ok"},
		{"hidden preheader", `<span style="display: none !important">preview</span><div hidden>h</div>Olá`, "Olá"},
		{"table", "<table><tr><td>Produto</td><td>Qtd</td></tr><tr><td>Caneta</td><td>2</td></tr></table>depois",
			"Produto Qtd\nCaneta 2\n\ndepois"},
		{"headings and hr", "<h1>Título</h1>texto<hr>rodapé", "Título\n\ntexto\n\nrodapé"},
		{"textarea shown", "<textarea>a  b</textarea>", "a  b"},
		{"encoded script defused", "x &lt;script&gt;alert(1)&lt;/script&gt; &lt;SCRIPT", "x < script>alert(1)</script> < SCRIPT"},
		{"truncated tag", "<p>Olá <b>mun", "Olá mun"},
		{"truncated link", `<p>Olá <a href="http://x`, "Olá"},
		{"truncated script", "ok<script>alert(", "ok"},
		{"self-closing script", "<script/>alert(1)</script>ok", "ok"},
		{"stray end tags", "</blockquote></div>texto</p>mais</br>fim", "texto\n\nmais\nfim"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"deep quotes are capped", strings.Repeat("<blockquote>", 20) + "x",
			strings.Repeat("> ", maxPrefixDepth) + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Convert(tt.in); got != tt.want {
				t.Errorf("Convert(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestConvertCorpus checks the HTML parts of real messages from the shared
// corpus (/work/shared/testdata/mail) against what cases.json asks of them.
func TestConvertCorpus(t *testing.T) {
	tests := []struct {
		file     string
		contains []string
		excludes []string
	}{
		{"001-gmail-novo-chamado.html",
			[]string{"Rejeição 539: Duplicidade de NF-e", "Temos umas 15 notas paradas", "\n--\nMariana Costa"},
			[]string{"<div", "gmail_signature"}},
		{"002-outlook-enc-novo.html",
			[]string{"Podem verificar com urgência?", "pedidos de material para aprovar", "“Sessão expirada”",
				"De: Juliana Prado <juliana.prado@construtoraviga.com.br>\nEnviado: segunda-feira"},
			[]string{"font-family", "Cambria", "shapedefaults", "MsoNormal", "<o:p>"}},
		{"006-somente-html.html",
			[]string{"não sai o cupom", "Porta COM3 não disponível", "Farmácia São Lucas"},
			[]string{"font-family", "rastrearAbertura", "document.getElementById", "<p>", "Chamado"}},
		{"016-enc-para-chamado.html",
			[]string{"Estou incluindo o Dr. Henrique, que coordena a agenda", "Sua sugestão foi registrada"},
			[]string{"MsoNormal", "margin:0cm"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got := Convert(string(b))
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q in:\n%s", s, got)
				}
			}
			for _, s := range tt.excludes {
				if strings.Contains(got, s) {
					t.Errorf("unexpected %q in:\n%s", s, got)
				}
			}
		})
	}
}

func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		wordHTML, scriptPage, "<blockquote>a<br>b</blockquote>", "<ul><li>x<ol><li>y",
		`<a href="https://x.y">z</a>`, "<pre>\n a\n</pre>", "<svg><p>x", "&lt;script&gt;",
		`<div class="gmail_quote"><blockquote class="gmail_quote">q</blockquote></div>`,
		`<div id="divRplyFwdMsg">x</div>`, "<scr<script>ipt>", "<<script>script>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Convert(in)
		if strings.Contains(out, "<script") {
			t.Errorf("output contains <script: %q", out)
		}
		if !utf8.ValidString(out) {
			t.Errorf("invalid UTF-8 output: %q", out)
		}
		// Quote and list prefixes are capped, so each output line costs a
		// bounded number of bytes on top of what the input spent on it.
		if limit := 20*len(in) + 64; len(out) > limit {
			t.Errorf("output of %d bytes for %d input bytes", len(out), len(in))
		}
	})
}
