package quote

import (
	"regexp"
	"strings"
)

// Mobile mail apps sign every message on their own, in the language of the
// phone. deviceTaglines are those that name the device, lower-cased, as
// the text before and after the device's name; the name must then be a
// device (deviceWords) in a few words.
var deviceTaglines = []struct{ before, after string }{
	// en, pt, es, de, fr, it
	{"sent from my ", ""}, {"sent from ", ""}, {"sent wirelessly from my ", ""}, {"sent wirelessly via ", ""},
	{"envoyé sans fil par mon ", ""}, {"enviado sin cables desde mi ", ""},
	{"enviado do meu ", ""}, {"enviado do minha ", ""}, {"enviado de meu ", ""}, {"enviado desde mi ", ""},
	{"enviada do meu ", ""}, {"enviado da minha ", ""}, {"enviada da minha ", ""}, {"enviado de mi ", ""},
	{"von meinem ", " gesendet"}, {"von meinem ", ""}, {"gesendet von meinem ", ""}, {"gesendet mit meinem ", ""},
	{"gesendet von ", ""}, {"envoyé de mon ", ""}, {"envoyé depuis mon ", ""}, {"envoyé de ma ", ""},
	{"envoyé depuis ma ", ""}, {"envoyé de ", ""}, {"inviato dal mio ", ""}, {"inviato da ", ""},
	// nl, da, no, sv, fi
	{"verstuurd vanaf mijn ", ""}, {"verzonden vanaf mijn ", ""}, {"verzonden met mijn ", ""},
	{"verstuurd met mijn ", ""}, {"verzonden vanaf ", ""}, {"verstuurd vanaf ", ""},
	{"sendt fra min ", ""}, {"sendt fra mit ", ""}, {"sendt fra ", ""},
	{"skickat från min ", ""}, {"skickat från ", ""}, {"lähetetty ", ""},
	// pl, cs, ru, uk, hu
	{"wysłane z mojego ", ""}, {"wysłane z ", ""}, {"wysłano z mojego ", ""}, {"wysłano z ", ""},
	{"odesláno z mého ", ""}, {"odesláno z ", ""}, {"отправлено с моего ", ""}, {"отправлено с ", ""},
	{"отправлено из ", ""}, {"надіслано з мого ", ""}, {"надіслано з ", ""},
	{"", "-ról küldve"}, {"", "-ről küldve"}, {"az ", "-omról küldve"}, {"az ", "-ömről küldve"},
	// ca, tr, ja, zh, ko, vi
	{"enviat des del meu ", ""}, {"enviat des de l'", ""}, {"enviat des de ", ""},
	{"", "'umdan gönderildi"}, {"", "'ımdan gönderildi"}, {"", "'imden gönderildi"},
	{"", "'dan gönderildi"}, {"", "'den gönderildi"}, {"", "'tan gönderildi"}, {"", "'ten gönderildi"},
	{"", "から送信"}, {"发自我的", ""}, {"从我的", "发送"}, {"從我的", "傳送"}, {"", "에서 보냄"},
	{"gửi từ ", ""},
}

// deviceWords name a device, lower-cased, in the forms the taglines inflect
// them to ("iPhonesta", "iPhone'a", "iPhonu", "iPhone-ról").
var deviceWords = []string{
	"iphon", "ipad", "android", "samsung", "galaxy", "smartphone", "smartfon", "blackberry",
	"huawei", "xiaomi", "redmi", "motorola", "pixel", "xperia", "oneplus", "nokia", "mobil",
	"celular", "telemóvel", "tablet", "phone", "móvil", "movil", "handy", "dispositivo",
	"appareil", "apparaat", "telefoon", "telefon", "puhelim", "смартфон", "телефон", "устройств",
	"手机", "手機", "携帯", "휴대폰", "갤럭시", "điện thoại",
}

// appWords are the lower-cased words one of which every app tagline has.
var appWords = []string{"outlook", "mail", "correo", "posta", "poczta", "почта", "пошта", "tuta", "aol"}

// appTaglines are the lines of mail apps that name no device: Outlook's
// "Sent from Outlook for iOS" and "Get Outlook for Android", Windows Mail's
// "Sent from Mail for Windows", Yahoo's.
var appTaglines = []string{
	`(?:sent from|enviad[oa] d[oe]|enviad[oa] desde|gesendet von|envoyé de|envoyé depuis|inviato da|verzonden met|verstuurd met|verzonden vanuit|sendt fra|skickat från|lähetetty|wysłane z|odesláno z|отправлено из|отправлено с|надіслано з|enviat des de|gửi từ) ` +
		`(?:outlook|yahoo mail|mail|e-mail|email|correo|posta|poczta|почта|пошта)(?: app)? ` +
		`(?:for|para|für|pour|per|per a|on|no|en|auf|sur|su|voor|op|til|för|på|dla|na|pro|для|cho|-sovellukselle) (?:ios|android|iphone|ipad|windows(?: \d+)?|mac)`,
	`von (?:outlook|mail|yahoo mail) für (?:ios|android|windows(?: \d+)?) gesendet`,
	`(?:get|obter o|obtenha o|baixe o|obtener|obtenga|descargar|descarga|holen sie sich|télécharger|obtenez|scarica|ottieni|hämta|outlook voor|hent|skaffa|få|hanki|pobierz|stáhněte si|получить|отримати|obteniu l'|tải) ` +
		`outlook (?:for|para|für|pour|per|per a|voor|til|för|dla|pro|для|cho)(?: systemu)? (?:ios|android)(?: downloaden| beziehen)?`,
	`outlook (?:voor|für) (?:ios|android) (?:downloaden|beziehen)`,
	`(?:ios|android) için outlook'u edinin`, `(?:ios|android) 版 outlook を入手`, `获取 (?:ios|android) 版 outlook`,
	`取得 (?:ios|android) 版 outlook`, `(?:ios|android)용 outlook 받기`,
}

var appTaglineRe = regexp.MustCompile(`(?i)^(?:` + strings.Join(appTaglines, `|`) + `)$`)

// appTaglineLines are app taglines that the patterns above do not cover,
// whole, lower-cased, without the final full stop.
var appTaglineLines = setOf([]string{
	"sent with proton mail secure email", "sent with protonmail secure email",
	"enviado com o e-mail seguro do proton mail", "enviado com o email seguro do proton mail",
	"enviado con el correo electrónico seguro de proton mail", "gesendet mit der sicheren e-mail von proton mail",
	"envoyé avec la messagerie sécurisée proton mail", "inviato con l'email sicura di proton mail",
	"wysłane z aplikacji onet poczta na androida", "wysłane z aplikacji onet poczta na iphone'a",
	"wysłane z aplikacji poczta o2", "wysłane z aplikacji wp poczta",
	"enviado do gmail para iphone", "enviado do gmail para android", "enviado desde gmail para iphone",
	"enviado desde gmail para android", "sent from gmail for iphone", "sent from gmail mobile",
	"sent from the all new aol app for iphone", "sent from the all new aol app for android",
	"sent from tutanota", "sent with tuta", "sent from fastmail",
})
