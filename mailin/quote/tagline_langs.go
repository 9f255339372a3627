package quote

import (
	"regexp"
	"strings"
)

// Mobile mail apps sign every message on their own, in the language of the
// phone. deviceTaglines are those that name the device, with "(.+?)" where
// the device goes; the device must then name one (deviceRe) in a few words.
var deviceTaglines = []string{
	// en, pt, es, de, fr, it
	`sent from my (.+?)`, `sent from (.+?)`, `enviad[oa] (?:do|de|desde) (?:meu|minha|mi) (.+?)`,
	`von meinem (.+?)(?: gesendet)?`, `gesendet von meinem (.+?)`, `gesendet mit meinem (.+?)`,
	`envoyé (?:de|depuis) (?:mon|ma) (.+?)`, `inviato dal mio (.+?)`, `inviato da (?:il mio )?(.+?)`,
	// nl, da, no, sv, fi
	`(?:verstuurd|verzonden) (?:vanaf|met|via) (?:mijn )?(.+?)`, `sendt fra (?:min |mit )?(.+?)`,
	`skickat från (?:min )?(.+?)`, `lähetetty (.+?)`,
	// pl, cs, ru, uk, hu
	`wysłane z (?:mojego )?(.+?)`, `wysłano z (?:mojego )?(.+?)`, `odesláno z (?:mého )?(.+?)`,
	`отправлено с (?:моего )?(.+?)`, `отправлено из (.+?)`, `надіслано з (?:мого )?(.+?)`,
	`(?:az )?(.+?)-(?:ról|ről|omról|ömről) küldve`,
	// ca, tr, ja, zh, ko, vi
	`enviat des del meu (.+?)`, `enviat des de l'(.+?)`, `enviat des de (.+?)`,
	`(.+?)'(?:umdan|ımdan|imden|dan|den|tan|ten) gönderildi`,
	`(.+?)\s*から送信`, `发自我的\s*(.+?)`, `从我的\s*(.+?)\s*发送`, `從我的\s*(.+?)\s*傳送`, `(.+?)\s*에서 보냄`,
	`gửi từ (.+?)`,
}

// appTaglines are the lines of mail apps that name no device: Outlook's
// "Sent from Outlook for iOS" and "Get Outlook for Android", Windows Mail's
// "Sent from Mail for Windows", Yahoo's.
var appTaglines = []string{
	`(?:sent from|enviad[oa] d[oe]|enviad[oa] desde|gesendet von|envoyé de|envoyé depuis|inviato da|verzonden met|verstuurd met|verzonden vanuit|sendt fra|skickat från|lähetetty|wysłane z|odesláno z|отправлено из|отправлено с|надіслано з|enviat des de|gửi từ) ` +
		`(?:outlook|yahoo mail|mail|e-mail|email|correo|posta|poczta|почта|пошта)(?: app)? ` +
		`(?:for|para|für|pour|per|per a|on|no|en|auf|sur|su|voor|op|til|för|på|dla|na|pro|для|cho|-sovellukselle) (?:ios|android|iphone|ipad|windows(?: \d+)?|mac)`,
	`von (?:outlook|mail|yahoo mail) für (?:ios|android|windows(?: \d+)?) gesendet`,
	`(?:get|obter o|obtenha o|obtener|obtenga|descargar|holen sie sich|télécharger|scarica|outlook voor|hent|skaffa|få|hanki|pobierz|stáhněte si|получить|отримати|obteniu l'|tải) ` +
		`outlook (?:for|para|für|pour|per|per a|voor|til|för|dla|pro|для|cho)(?: systemu)? (?:ios|android)(?: downloaden| beziehen)?`,
	`outlook (?:voor|für) (?:ios|android) (?:downloaden|beziehen)`,
	`(?:ios|android) için outlook'u edinin`, `(?:ios|android) 版 outlook を入手`, `获取 (?:ios|android) 版 outlook`,
	`取得 (?:ios|android) 版 outlook`, `(?:ios|android)용 outlook 받기`,
}

// taglineWords are the lower-cased words one of which every tagline has:
// those of deviceRe, and the names of mail apps.
var taglineWords = []string{
	"iphon", "ipad", "android", "samsung", "galaxy", "smartphone", "smartfon", "blackberry",
	"huawei", "xiaomi", "redmi", "motorola", "pixel", "xperia", "oneplus", "nokia", "mobil",
	"celular", "telemóvel", "tablet", "phone", "móvil", "movil", "handy", "dispositivo",
	"appareil", "apparaat", "telefoon", "telefon", "puhelim", "смартфон", "телефон", "устройств",
	"手机", "手機", "携帯", "휴대폰", "갤럭시", "điện thoại",
	"outlook", "mail", "correo", "posta", "poczta", "почта", "пошта",
}

var (
	deviceTaglineRe = regexp.MustCompile(`(?i)^(?:` + strings.Join(deviceTaglines, `|`) + `)$`)
	appTaglineRe    = regexp.MustCompile(`(?i)^(?:` + strings.Join(appTaglines, `|`) + `)$`)
	// deviceRe names a device, in the forms the taglines inflect it to
	// ("iPhonesta", "iPhone'a", "iPhonu", "iPhone-ról", "iPhone'umdan").
	deviceRe = regexp.MustCompile(`(?i)iphon|ipad|android|samsung|galaxy|smartphone|smartfon|blackberry|huawei|xiaomi|redmi|motorola|pixel|xperia|oneplus|nokia|mobile|mobil|celular|telemóvel|tablet|phone|móvil|movil|handy|dispositivo|appareil|apparaat|telefoon|telefon|puhelim|смартфон|телефон|устройств|手机|手機|携帯|휴대폰|갤럭시|điện thoại`)
)
