package quote

import (
	"strings"
	"testing"
)

// headerBlockCases are the header blocks Outlook (desktop, web, Mac) and
// webmails write above pasted history, per language: From, Sent/Date, To
// and Subject labels with a value each.
var headerBlockCases = []struct{ lang, from, sent, to, subject string }{
	{"en", "From", "Sent", "To", "Subject"},
	{"pt", "De", "Enviado em", "Para", "Assunto"},
	{"pt zimbra", "De", "Enviadas", "Para", "Assunto"},
	{"es", "De", "Enviado el", "Para", "Asunto"},
	{"de", "Von", "Gesendet", "An", "Betreff"},
	{"fr", "De ", "Envoyé ", "À ", "Objet "},
	{"it", "Da", "Inviato", "A", "Oggetto"},
	{"nl", "Van", "Verzonden", "Aan", "Onderwerp"},
	{"da", "Fra", "Sendt", "Til", "Emne"},
	{"no", "Fra", "Sendt", "Til", "Emne"},
	{"sv", "Från", "Skickat", "Till", "Ämne"},
	{"fi", "Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe"},
	{"pl", "Od", "Wysłano", "Do", "Temat"},
	{"cs", "Od", "Odesláno", "Komu", "Předmět"},
	{"ru", "От", "Отправлено", "Кому", "Тема"},
	{"uk", "Від", "Надіслано", "Кому", "Тема"},
	{"hu", "Feladó", "Elküldve", "Címzett", "Tárgy"},
	{"ca", "De", "Enviat", "Per a", "Assumpte"},
	{"tr", "Kimden", "Gönderildi", "Kime", "Konu"},
	{"ja", "差出人", "送信日時", "宛先", "件名"},
	{"zh", "发件人", "发送时间", "收件人", "主题"},
	{"zh-tw", "寄件者", "寄件日期", "收件者", "主旨"},
	{"ko", "보낸 사람", "보낸 날짜", "받는 사람", "제목"},
	{"vi", "Từ", "Đã gửi", "Đến", "Chủ đề"},
	{"mac sv", "Från", "Datum", "Till", "Ämne"},
	{"mac fi", "Lähettäjä", "Päivämäärä", "Vastaanottaja", "Aihe"},
}

func TestHeaderBlocksPerLanguage(t *testing.T) {
	for _, c := range headerBlockCases {
		field := func(label, value string) string { return label + ": " + value }
		from := field(c.from, "Help Desk <help@desk.example>")
		sent := field(c.sent, "1/12/2026 15:07")
		to := field(c.to, "Ana Lima <ana@cliente.example>")
		subject := field(c.subject, "RE: [SUP-42] Export")
		shapes := map[string][]string{
			"outlook":            {from, sent, to, subject},
			"bold":               {bold(from), bold(sent), bold(to), bold(subject)},
			"blank lines":        {from, "", sent, "", to, "", subject},
			"date first":         {sent, from, to, subject},
			"no subject":         {from, sent, to},
			"subject before to":  {from, subject, sent, to},
			"empty cc":           {from, sent, to, "Cc:", subject},
			"full-width colon":   {strings.Replace(from, ": ", "：", 1), strings.Replace(sent, ": ", "：", 1), strings.Replace(subject, ": ", "：", 1)},
			"nbsp after colon":   {strings.Replace(from, ": ", ":\u00a0", 1), strings.Replace(sent, ": ", ":\u00a0", 1), strings.Replace(subject, ": ", ":\u00a0", 1)},
			"under a rule":       {"________________________________", from, sent, to, subject},
			"wrapped recipients": {from, sent, to, "Bruno Dias <bruno@cliente.example>", subject},
		}
		for shape, block := range shapes {
			t.Run(c.lang+" "+shape, func(t *testing.T) {
				in := "Resolved, thanks.\n\n" + strings.Join(block, "\n") + "\n\nOld message.\nHelp Desk"
				if got := Strip(in); got != "Resolved, thanks." {
					t.Errorf("Strip(%q) = %q", in, got)
				}
			})
		}
	}
}

// bold writes a header line as text made from HTML has it: "*Label:* value".
func bold(l string) string {
	colon := strings.IndexByte(l, ':')
	return "*" + l[:colon+1] + "*" + l[colon+1:]
}

// TestFlattenedHeaderBlock covers a whole block on one line, as text made
// from HTML that lost its line breaks has it.
func TestFlattenedHeaderBlock(t *testing.T) {
	for _, l := range []string{
		"From: Help Desk <help@desk.example> Sent: Tuesday, December 1, 2026 3:07 PM To: Ana <ana@cliente.example> Subject: RE: Export",
		"De: Help Desk <help@desk.example> Enviado em: terça-feira, 1 de dezembro de 2026 15:07 Para: Ana Assunto: RE: Export",
		"*From:* Help Desk <help@desk.example> *Sent:* Tuesday *To:* Ana *Subject:* RE: Export",
	} {
		in := "Ok.\n\n" + l + "\n\nold"
		if got := Strip(in); got != "Ok." {
			t.Errorf("Strip(%q) = %q", in, got)
		}
	}
}

func TestSeparators(t *testing.T) {
	for _, sep := range []string{
		"-----Original Message-----", "----- Original Message -----", "*--- Original Message ---*",
		"-----Reply Message-----", "-----Antwort Nachricht-----", "-----Ursprüngliche Nachricht-----",
		"-----Oorspronkelijk bericht-----", "-----Oprindelig meddelelse-----", "-----Opprinnelig melding-----",
		"-----Ursprungligt meddelande-----", "-----Alkuperäinen viesti-----", "-----Wiadomość oryginalna-----",
		"-----Původní zpráva-----", "-----Исходное сообщение-----", "-----Оригінальне повідомлення-----",
		"-----Eredeti üzenet-----", "-----Missatge original-----", "-----Orijinal Mesaj-----",
		"-----Özgün İleti-----", "-----元のメッセージ-----", "------------------ 原始邮件 ------------------",
		"-----原始郵件-----", "-----원본 메시지-----", "-----Thư gốc-----", "-------- Mensagem original --------",
		"-------- Message d'origine --------", "-------- Messaggio originale --------",
		"---------- Forwarded message ---------", "---------- Doorgestuurd bericht ---------",
		"---------- Videresendt meddelelse ----------", "---------- Vidarebefordrat meddelande ---------",
		"---------- Välitetty viesti ---------", "---------- Przekazana wiadomość ---------",
		"---------- Přeposlaná zpráva ---------", "---------- Пересылаемое сообщение ---------",
		"---------- Переслане повідомлення ---------", "---------- Továbbított üzenet ----------",
		"---------- Missatge reenviat ---------", "---------- 转发的邮件 ---------", "---------- 전달된 메일 ---------",
		"---------- Thư đã chuyển tiếp ---------", "---------- Původní e-mail ----------",
	} {
		in := "See below.\n\n" + sep + "\nold text"
		if got := Strip(in); got != "See below." {
			t.Errorf("Strip(%q) = %q", in, got)
		}
	}
}

func TestForwardIntros(t *testing.T) {
	for _, intro := range []string{
		"Begin forwarded message:", "Início da mensagem encaminhada:", "Anfang der weitergeleiteten Nachricht:",
		"Début du message réexpédié :", "Begin doorgestuurd bericht:", "Start på videresendt besked:",
		"Vidarebefordrat brev:", "Välitetty viesti alkaa:", "Początek przekazywanej wiadomości:",
		"Začátek přeposílané zprávy:", "Начало переадресованного сообщения:", "Továbbított levél kezdete:",
		"Inici del missatge reenviat:", "転送されたメッセージ：", "전달된 메시지:",
	} {
		in := "FYI.\n\n" + intro + "\n\nFrom: X\nold"
		if got := Strip(in); got != "FYI." {
			t.Errorf("Strip(%q) = %q", in, got)
		}
	}
}

func TestListFooters(t *testing.T) {
	for _, footer := range []string{
		"_______________________________________________\nacme-users mailing list\nacme-users@lists.desk.example\nhttps://lists.desk.example/mailman/listinfo/acme-users",
		"__________________________________________________\nLista de discussão clientes\nPara sair: https://listas.desk.example/sympa/signoff/clientes",
		"____________________\nTo unsubscribe, e-mail acme-users-leave@desk.example",
	} {
		in := "Same here since Monday.\n\nCarlos\n" + footer
		if got := Strip(in); got != "Same here since Monday.\n\nCarlos" {
			t.Errorf("Strip(%q) = %q", in, got)
		}
	}
}

// TestHeaderBlockLookalikes are the sender's own lines with header labels:
// all must be kept.
func TestHeaderBlockLookalikes(t *testing.T) {
	for _, in := range []string{
		"We need a quote:\nFrom: Rotterdam warehouse\nTo: Hamburg\nDate: next Monday\n3 pallets.",
		"Transporte:\nDa: Milano\nA: Roma\nData: 24/11/2026\nGrazie.",
		"Graag verhuizen:\nVan: laptop van Sanne\nAan: nieuwe pc",
		"Нужно переоформить:\nОт: Иванов\nКому: Петрову\nТема: доступ к складу\nСпасибо.",
		"请按以下信息开票：\n发件人：王芳\n收件人：财务部\n主题：十一月发票\n谢谢！",
		"以下の内容で登録をお願いします。\n件名: 新規アカウント\n宛先: 営業部",
		"Öffnungszeiten:\nVon: 8:00 Uhr\nBis: 17:00 Uhr\nDatum: 24.11.2026",
		"Please fill in:\nName: ____________________\nDate: ____________________\nThanks",
		"Bom dia,\n\nSegue o termo.\n\n______________________________\nRenata Alves\nDiretora",
		"The original message from your system said it was paid.\nForwarded message bodies are empty.",
		"Q: does the export work?\nA: no, since Monday.",
	} {
		if got, want := Strip(in), tidy(splitLines(in)); got != want {
			t.Errorf("Strip(%q)\n got: %q\nwant: %q", in, got, want)
		}
	}
}

func TestHeaderField(t *testing.T) {
	tests := []struct {
		line  string
		kind  fieldKind
		value string
		ok    bool
	}{
		{"From: X <x@y>", fieldFrom, "X <x@y>", true},
		{"*Enviado em:* ontem", fieldSent, "ontem", true},
		{"**Envoyé** : lundi", fieldSent, "lundi", true},
		{"差出人：山田", fieldFrom, "山田", true},
		{"보낸 사람: 김", fieldFrom, "김", true},
		{"Cc:", fieldCc, "", true},
		{"Per a: Jordi", fieldTo, "Jordi", true},
		{"Recebi a cobrança De: fulano", 0, "", false},
		{"Note: call me", 0, "", false},
		{"http://desk.example/", 0, "", false},
	}
	for _, tt := range tests {
		kind, value, ok := headerField(tt.line)
		if kind != tt.kind || value != tt.value || ok != tt.ok {
			t.Errorf("headerField(%q) = %v, %q, %v; want %v, %q, %v", tt.line, kind, value, ok, tt.kind, tt.value, tt.ok)
		}
	}
}
