package quote

import "testing"

// taglineCases are the lines mobile mail apps add, per language and app.
var taglineCases = []struct{ lang, line string }{
	{"en", "Sent from my iPhone"}, {"en", "Sent from my Samsung Galaxy smartphone."},
	{"en", "Sent from my Galaxy"}, {"en", "Sent from Samsung Mobile"}, {"en", "Sent from my Huawei phone"},
	{"en", "Sent from Outlook for iOS"}, {"en", "Get Outlook for Android"},
	{"en", "Sent from Mail for Windows"}, {"en", "Sent from Yahoo Mail on Android"},
	{"pt", "Enviado do meu iPhone"}, {"pt", "Enviado do meu smartphone Samsung Galaxy."},
	{"pt", "Obter o Outlook para iOS"}, {"it", "Ottieni Outlook per iOS<https://aka.ms/o0ukef>"},
	{"en", "Sent wirelessly from my BlackBerry device on the Bell network."},
	{"en", "Sent with Proton Mail secure email."}, {"pt", "Enviado com o e-mail seguro do Proton Mail."},
	{"pl", "Wysłane z aplikacji Onet Poczta na Androida"}, {"pt", "Enviado do Gmail para iPhone"},
	{"en", "Sent with Tuta"},
	{"fr", "Envoyé sans fil par mon terminal mobile BlackBerry sur le réseau de Bell."},
	{"es", "Enviado desde mi oficina móvil BlackBerry® de Telcel"},
	{"pt", "Enviado do Email<https://go.microsoft.com/fwlink/?LinkId=550986> para Windows"}, {"es", "Enviado desde mi iPhone"}, {"es", "Enviado desde mi Samsung Mobile"},
	{"de", "Von meinem iPhone gesendet"}, {"de", "Von meinem Samsung Galaxy Smartphone gesendet."},
	{"de", "Gesendet von meinem iPad"}, {"de", "Gesendet von Mail für Windows"}, {"de", "Von Outlook für Android gesendet"},
	{"fr", "Envoyé de mon iPhone"}, {"fr", "Envoyé depuis mon appareil Galaxy"},
	{"it", "Inviato da iPhone"}, {"it", "Inviato dal mio smartphone Huawei"},
	{"nl", "Verstuurd vanaf mijn iPhone"}, {"nl", "Verzonden vanaf mijn Samsung Galaxy smartphone."},
	{"nl", "Outlook voor iOS downloaden"},
	{"da", "Sendt fra min iPhone"}, {"da", "Hent Outlook til iOS"}, {"no", "Sendt fra min iPad"},
	{"sv", "Skickat från min iPhone"}, {"sv", "Skaffa Outlook för Android"},
	{"fi", "Lähetetty iPhonesta"}, {"fi", "Lähetetty Samsung-laitteesta"},
	{"pl", "Wysłane z iPhone'a"}, {"pl", "Wysłane z mojego smartfona Galaxy"},
	{"cs", "Odesláno z iPhonu"}, {"cs", "Odesláno z mého Samsung Galaxy"},
	{"ru", "Отправлено с iPhone"}, {"ru", "Отправлено с моего Galaxy"}, {"ru", "Получить Outlook для iOS"},
	{"uk", "Надіслано з iPhone"},
	{"hu", "iPhone-ról küldve"}, {"hu", "Az iPhone-omról küldve"},
	{"ca", "Enviat des del meu iPhone"}, {"ca", "Enviat des de l'iPhone"},
	{"tr", "iPhone'umdan gönderildi"}, {"tr", "iPhone'dan gönderildi"},
	{"ja", "iPhoneから送信"}, {"ja", "iOS 版 Outlook を入手"},
	{"zh", "发自我的iPhone"}, {"zh", "从我的 iPhone 发送"}, {"zh-tw", "從我的 iPhone 傳送"},
	{"ko", "iPhone에서 보냄"}, {"ko", "iOS용 Outlook 받기"},
	{"vi", "Gửi từ iPhone của tôi"},
	{"en", "Get Outlook for iOS<https://aka.ms/o0ukef>"}, {"pt", "Obter o Outlook para Android (https://aka.ms/ghei36)"},
}

func TestTaglinesPerLanguage(t *testing.T) {
	for _, c := range taglineCases {
		t.Run(c.lang+" "+c.line, func(t *testing.T) {
			if !isTagline(c.line) {
				t.Fatalf("isTagline(%q) = false", c.line)
			}
			for shape, in := range map[string]string{
				"at the end":                "Ok, thanks.\n\n" + c.line,
				"over a quote":              "Ok, thanks.\n\n" + c.line + "\n\n> old",
				"over an unmarked original": "Ok, thanks.\n\n" + c.line + "\n\nHello, can we close the ticket?\nHelp Desk",
				"bold":                      "Ok, thanks.\n\n*" + c.line + "*\n\nold",
			} {
				if got := Strip(in); got != "Ok, thanks." {
					t.Errorf("%s: Strip(%q) = %q", shape, in, got)
				}
			}
			// A forward keeps what follows the tagline.
			fwd := "See below.\n\n" + c.line + "\n\nBegin forwarded message:\n\nFrom: X\nforwarded"
			if got, want := StripSignature(fwd), "See below.\n\nBegin forwarded message:\n\nFrom: X\nforwarded"; got != want {
				t.Errorf("StripSignature(%q) = %q", fwd, got)
			}
		})
	}
}

// TestTaglineLookalikes are sentences that start like taglines: they must
// be kept, and must not cut what follows.
func TestTaglineLookalikes(t *testing.T) {
	for _, in := range []string{
		"Enviado do meu e-mail pessoal também.\nMais texto.",
		"Sent from my iPhone the attachment arrives empty, from the laptop it is fine.\nCan you check?",
		"Sent from my office PC it works.\nFrom home it does not.",
		"Outlook for Android crashes when I open the invoice.\nPlease help.",
		"Von meinem Kollegen gesendet bekam ich nur leere PDFs.\nBitte prüfen.",
		"Lähetetty lasku oli väärä.\nKorjatkaa se.",
		"Sendt fra min kones konto, da min ikke virker.\nKan I nulstille den?",
	} {
		if got, want := Strip(in), tidy(splitLines(in)); got != want {
			t.Errorf("Strip(%q)\n got: %q\nwant: %q", in, got, want)
		}
	}
}
