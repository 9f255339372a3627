package quote

// The labels of the header blocks Outlook (desktop, web, mobile), Gmail's
// forward, Apple Mail, Android and Samsung mail, QQ Mail and other webmails
// paste above history, in the languages of the customers' mail clients,
// lower-cased. Gmail mixes the local "From" with English "Date", "Subject"
// and "To", so the kinds matter, not the language.
//
// Filled once and only read afterwards.
var headerLabels = func() map[string]fieldKind {
	m := map[string]fieldKind{}
	for kind, labels := range map[fieldKind][]string{
		fieldFrom: {
			"from", "de", "von", "da", "van", "fra", "från", "lähettäjä", "od", "от", "від",
			"feladó", "kimden", "差出人", "送信者", "发件人", "寄件者", "寄件人", "보낸 사람", "보낸사람",
			"từ", "expéditeur", "remitente", "remetente", "absender", "mittente", "afzender",
			"avsändare", "afsender", "avsender", "nadawca", "odesílatel", "отправитель",
			"відправник", "gönderen", "người gửi",
		},
		fieldSent: {
			"sent", "date", "enviado", "enviada", "enviadas", "enviados", "message du", "envoyé par", "enviado em", "enviada em", "enviado el", "data",
			"fecha", "gesendet", "datum", "envoyé", "envoyé le", "inviato", "verzonden", "verstuurd",
			"sendt", "dato", "skickat", "lähetetty", "päivämäärä", "wysłano", "wysłane", "odesláno",
			"отправлено", "дата", "надіслано", "elküldve", "dátum", "enviat", "gönderildi",
			"gönderilme tarihi", "tarih", "送信日時", "日付", "发送时间", "日期", "时间", "寄件日期",
			"傳送時間", "보낸 날짜", "날짜", "đã gửi", "ngày", "ngày gửi",
		},
		fieldTo: {
			"to", "para", "an", "à", "a", "aan", "til", "till", "vastaanottaja", "do", "komu",
			"кому", "címzett", "per a", "kime", "宛先", "收件人", "收件者", "받는 사람", "받는사람",
			"đến", "destinatario", "destinatário", "empfänger", "destinataire", "ontvanger",
			"mottaker", "mottagare", "adresat", "příjemce", "получатель", "одержувач", "alıcı",
		},
		fieldCc: {
			"cc", "bcc", "cco", "kopie", "kopi", "kopia", "kopio", "dw", "копия", "копія",
			"másolatot kap", "másolat", "copie à", "copie", "a/c", "bilgi", "抄送", "副本", "참조", "cc/bcc",
		},
		fieldSubject: {
			"subject", "assunto", "asunto", "betreff", "objet", "sujet", "oggetto", "onderwerp",
			"emne", "ämne", "aihe", "temat", "předmět", "тема", "tárgy", "assumpte", "konu",
			"件名", "主题", "主旨", "제목", "chủ đề", "tiêu đề",
		},
	} {
		for _, l := range labels {
			m[l] = kind
		}
	}
	return m
}()

// separatorPhrases are what the separator lines above quoted or forwarded
// history say between their dashes, lower-cased: Outlook's "-----Original
// Message-----", Gmail's "---------- Forwarded message ---------", Android's
// "-------- Mensagem original --------", QQ Mail's "------------------ 原始邮件
// ------------------", BlackBerry's and others' "-----Reply Message-----".
var separatorPhrases = []string{
	// en, pt, es, de, fr, it
	"original message", "original", "forwarded message", "reply message", "message",
	"mensagem original", "mensagem encaminhada", "mensaje original", "mensaje reenviado",
	"mensagem de resposta", "mensaje de respuesta",
	"ursprüngliche nachricht", "weitergeleitete nachricht", "antwort nachricht", "originalnachricht",
	"message d'origine", "message d’origine", "message original", "message transféré", "message de réponse",
	"messaggio originale", "messaggio inoltrato", "messaggio di risposta",
	// nl, da, no, sv, fi
	"oorspronkelijk bericht", "origineel bericht", "doorgestuurd bericht", "antwoordbericht",
	"oprindelig meddelelse", "oprindelig besked", "original besked", "videresendt meddelelse", "videresendt besked", "svarmeddelelse",
	"opprinnelig melding", "opprinnelig e-post", "videresendt melding", "svarmelding",
	"ursprungligt meddelande", "originalmeddelande", "vidarebefordrat meddelande", "svarsmeddelande",
	"alkuperäinen viesti", "välitetty viesti", "vastausviesti",
	// pl, cs, ru, uk, hu
	"wiadomość oryginalna", "oryginalna wiadomość", "przekazana wiadomość", "wiadomość przekazana dalej",
	"odpowiedź", "původní zpráva", "původní e-mail", "původní email", "přeposlaná zpráva",
	"přeposlaný e-mail", "odpověď",
	"исходное сообщение", "пересылаемое сообщение", "пересланное сообщение", "оригинальное сообщение",
	"ответное сообщение", "оригінальне повідомлення", "вихідне повідомлення", "переслане повідомлення",
	"пересланий лист", "eredeti üzenet", "eredeti levél", "továbbított üzenet", "továbbított levél", "válaszüzenet",
	// ca, tr, ja, zh, ko, vi
	"missatge original", "missatge reenviat", "özgün ileti", "orijinal mesaj", "orijinal ileti",
	"iletilen ileti", "yönlendirilmiş ileti", "yanıt iletisi",
	"元のメッセージ", "転送メッセージ", "転送されたメッセージ", "原始邮件", "原始郵件", "原邮件",
	"转发的邮件", "轉寄郵件", "已转发邮件", "回复邮件", "원본 메시지", "전달된 메일", "전달된 메시지",
	"thư gốc", "thư đã chuyển tiếp", "tin nhắn gốc", "thư chuyển tiếp",
}

// forwardIntros are Apple Mail's "Begin forwarded message:" and what other
// clients put in its place, lower-cased and without the colon.
var forwardIntros = []string{
	"begin forwarded message", "início da mensagem encaminhada", "inicio da mensagem encaminhada",
	"inicio del mensaje reenviado", "comienzo del mensaje reenviado", "anfang der weitergeleiteten nachricht",
	"début du message réexpédié", "début du message transféré", "inizio messaggio inoltrato",
	"begin doorgestuurd bericht", "start på videresendt besked", "videresendt besked",
	"start på videresendt melding", "vidarebefordrat brev", "början på vidarebefordrat brev",
	"välitetty viesti alkaa", "początek przekazywanej wiadomości", "začátek přeposílané zprávy",
	"начало переадресованного сообщения", "начало пересылаемого сообщения", "початок пересланого листа",
	"továbbított levél kezdete", "inici del missatge reenviat", "iletilen mesajın başlangıcı",
	"転送されたメッセージ", "以下是转发的邮件", "转发的邮件", "轉寄的郵件", "전달된 메시지",
	"bắt đầu thư được chuyển tiếp",
}

// separators and forwardIntro are the sets of separatorPhrases and
// forwardIntros, only read.
var (
	separators   = setOf(separatorPhrases)
	forwardIntro = setOf(forwardIntros)
)

func setOf(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
