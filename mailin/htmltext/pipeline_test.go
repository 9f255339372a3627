package htmltext_test

import (
	"testing"

	"github.com/ticketgw/ticketgw/mailin/htmltext"
	"github.com/ticketgw/ticketgw/mailin/quote"
)

// TestQuoteStripping checks that what Convert makes of the quoting markup of
// HTML replies is what package quote cuts, so HTML-only replies lose their
// history like plain-text ones.
func TestQuoteStripping(t *testing.T) {
	tests := []struct {
		name string
		html string
		want string
	}{
		{"gmail", `<div dir="ltr">Funcionou, obrigada!<div><br></div><div>Mariana</div></div><br>` +
			`<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">Em seg., 23 de nov. de 2026 às 10:15, ` +
			`Suporte Acme &lt;<a href="mailto:suporte@acme.com.br">suporte@acme.com.br</a>&gt; escreveu:<br></div>` +
			`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Olá Mariana,<br>Tente de novo.</blockquote></div>`,
			"Funcionou, obrigada!\n\nMariana"},
		{"gmail with signature", `<div dir="ltr">Ok.<br clear="all"><br><span class="gmail_signature_prefix">-- </span><br>` +
			`<div class="gmail_signature">Mariana Costa<br>Gerente</div></div><br><div class="gmail_quote">` +
			`<blockquote class="gmail_quote">velho</blockquote></div>`,
			"Ok."},
		{"outlook web", `<div>Pode fechar o chamado.</div><div id="appendonsend"></div><hr>` +
			`<div id="divRplyFwdMsg"><b>De:</b> Suporte Acme<br><b>Enviado:</b> segunda-feira<br><b>Assunto:</b> X</div>` +
			`<div>Olá, texto antigo</div>`,
			"Pode fechar o chamado."},
		{"outlook desktop", `<div class=WordSection1><p class=MsoNormal>Recebido.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>` +
			`<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>De:</b> Suporte Acme &lt;s@a.com.br&gt; <br>` +
			`<b>Enviado:</b> segunda-feira, 23 de novembro de 2026 16:05<br><b>Para:</b> Ricardo<br><b>Assunto:</b> X<o:p></o:p></p></div>` +
			`<p class=MsoNormal>Texto antigo<o:p></o:p></p></div>`,
			"Recebido."},
		{"outlook desktop nl", `<div class=WordSection1><p class=MsoNormal>Ontvangen, dank u.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>` +
			`<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>Van:</b> Acme Support &lt;support@acme.example&gt; <br>` +
			`<b>Verzonden:</b> maandag 23 november 2026 16:05<br><b>Aan:</b> Sanne<br><b>Onderwerp:</b> Factuur<o:p></o:p></p></div>` +
			`<p class=MsoNormal>Oude tekst<o:p></o:p></p></div>`,
			"Ontvangen, dank u."},
		{"outlook web ru", `<div>Спасибо, получили.</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">` +
			`<b>От:</b> Acme Support &lt;support@acme.example&gt;<br><b>Отправлено:</b> 23 ноября 2026 г. 16:05<br>` +
			`<b>Кому:</b> Ольга<br><b>Тема:</b> Счёт</div><div>Старый текст</div>`,
			"Спасибо, получили."},
		{"gmail ja", `<div dir="ltr">承知しました。</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">` +
			`2026年11月23日(月) 10:15 Acme Support &lt;<a href="mailto:support@acme.example">support@acme.example</a>&gt;:<br></div>` +
			`<blockquote class="gmail_quote">よろしくお願いします。</blockquote></div>`,
			"承知しました。"},
		{"apple mail de", `<div>Passt.</div><div><br><blockquote type="cite"><div>Am 23.11.2026 um 10:15 schrieb Acme Support ` +
			`&lt;support@acme.example&gt;:</div><br><div>Hallo Herr Becker</div></blockquote></div>`,
			"Passt."},
		{"thunderbird", `<p>Segue o log.</p><div class="moz-cite-prefix">Em 23/11/2026 10:15, Suporte Acme escreveu:<br></div>` +
			`<blockquote type="cite"><p>Pode mandar o log?</p></blockquote>`,
			"Segue o log."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := htmltext.Convert(tt.html)
			if got := quote.Strip(text); got != tt.want {
				t.Errorf("Strip(Convert(html))\n got: %q\nwant: %q\ntext: %q", got, tt.want, text)
			}
		})
	}
}
