package quote

import (
	"strings"
	"testing"
	"unicode"
)

// attributionCases are the attribution lines the customers' mail clients
// write, per language and client; all carry a date and time or an address,
// so each must cut unquoted history as well as introduce a ">" quote.
var attributionCases = []struct{ lang, client, line string }{
	{"en", "gmail", "On Tue, Dec 1, 2026 at 3:07 PM Help Desk <help@desk.example> wrote:"},
	{"en", "apple", "On 1 Dec 2026, at 15:07, Help Desk <help@desk.example> wrote:"},
	{"en", "thunderbird", "On 01/12/2026 15:07, Help Desk wrote:"},
	{"en", "outlook mac", `On 01/12/2026, 15:07, "Help Desk" <help@desk.example> wrote:`},
	{"en", "yahoo", "On Tuesday, December 1, 2026, 03:07:44 PM GMT+2, Help Desk <help@desk.example> wrote:"},
	{"en", "gmail date-first", "2014-03-20 8:48 GMT+01:00 Help Desk <help@desk.example>:"},
	{"pt", "gmail", "Em ter., 1 de dez. de 2026 às 15:07, Help Desk <help@desk.example> escreveu:"},
	{"pt", "yahoo", "Em terça-feira, 1 de dezembro de 2026 15:07:44 BRT, Help Desk <help@desk.example> escreveu:"},
	{"es", "gmail", "El mar, 1 dic 2026 a las 15:07, Help Desk (<help@desk.example>) escribió:"},
	{"de", "gmail", "Am Di., 1. Dez. 2026 um 15:07 Uhr schrieb Help Desk <help@desk.example>:"},
	{"de", "thunderbird", "Am 01.12.26 um 15:07 schrieb Help Desk:"},
	{"de", "yahoo", "Am Dienstag, 1. Dezember 2026, 15:07:44 MEZ hat Help Desk <help@desk.example> Folgendes geschrieben:"},
	{"fr", "gmail", "Le mar. 1 déc. 2026 à 15:07, Help Desk <help@desk.example> a écrit :"},
	{"fr", "gmail nbsp", "Le mar. 1 déc. 2026 à 15:07, Help Desk <help@desk.example> a écrit\u00a0:"},
	{"fr", "apple narrow nbsp", "Le 1 déc. 2026 à 15:07, Help Desk <help@desk.example> a écrit\u202f:"},
	{"it", "gmail", "Il giorno mar 1 dic 2026 alle ore 15:07 Help Desk <help@desk.example> ha scritto:"},
	{"it", "thunderbird", "Il 01/12/2026 15:07, Help Desk ha scritto:"},
	{"nl", "gmail", "Op di 1 dec 2026 om 15:07 schreef Help Desk <help@desk.example>:"},
	{"nl", "apple", "Op 1 dec. 2026 om 15:07 heeft Help Desk <help@desk.example> het volgende geschreven:"},
	{"nl", "thunderbird", "Op 01-12-2026 om 15:07 schreef Help Desk:"},
	{"da", "gmail", "Den tir. 1. dec. 2026 kl. 15.07 skrev Help Desk <help@desk.example>:"},
	{"da", "thunderbird", "Den 01-12-2026 kl. 15:07 skrev Help Desk:"},
	{"no", "gmail", "tir. 1. des. 2026 kl. 15:07 skrev Help Desk <help@desk.example>:"},
	{"no", "thunderbird", "Den 01.12.2026 15:07, skrev Help Desk:"},
	{"sv", "gmail", "Den tis 1 dec. 2026 kl 15:07 skrev Help Desk <help@desk.example>:"},
	{"sv", "apple", "1 dec. 2026 kl. 15:07 skrev Help Desk <help@desk.example>:"},
	{"fi", "gmail", "ti 1.12.2026 klo 15.07 Help Desk (help@desk.example) kirjoitti:"},
	{"fi", "thunderbird", "Help Desk kirjoitti 1.12.2026 klo 15.07:"},
	{"fi", "apple", "Help Desk <help@desk.example> kirjoitti 1.12.2026 kello 15.07:"},
	{"pl", "gmail", "wt., 1 gru 2026 o 15:07 Help Desk <help@desk.example> napisał(a):"},
	{"pl", "gmail old", "W dniu 1 grudnia 2026 15:07 użytkownik Help Desk <help@desk.example> napisał:"},
	{"pl", "thunderbird", "W dniu 1.12.2026 o 15:07, Help Desk pisze:"},
	{"pl", "apple", "Wiadomość napisana przez Help Desk <help@desk.example> w dniu 01.12.2026, o godz. 15:07:"},
	{"cs", "gmail", "út 1. 12. 2026 v 15:07 odesílatel Help Desk <help@desk.example> napsal:"},
	{"cs", "thunderbird", "Dne 1. 12. 2026 v 15:07 Help Desk napsal(a):"},
	{"cs", "apple", "1. 12. 2026 v 15:07, Help Desk <help@desk.example>:"},
	{"ru", "gmail", "вт, 1 дек. 2026 г. в 15:07, Help Desk <help@desk.example>:"},
	{"ru", "thunderbird", "01.12.2026 15:07, Help Desk пишет:"},
	{"ru", "apple", "1 дек. 2026 г., в 15:07, Help Desk <help@desk.example> написал(а):"},
	{"ru", "mail.ru", "Вторник, 1 декабря 2026, 15:07 +03:00 от Help Desk <help@desk.example>:"},
	{"ru", "yandex", `01.12.2026, 15:07, "Help Desk" <help@desk.example>:`},
	{"uk", "gmail", "вт, 1 груд. 2026 р. о 15:07 Help Desk <help@desk.example> пише:"},
	{"uk", "apple", "1 груд. 2026 р. о 15:07 Help Desk <help@desk.example> написав(ла):"},
	{"hu", "gmail", "Help Desk <help@desk.example> ezt írta (időpont: 2026. dec. 1., K, 15:07):"},
	{"hu", "thunderbird", "2026. 12. 01. 15:07 keltezéssel, Help Desk írta:"},
	{"ca", "gmail", "El dt., 1 de des. 2026 a les 15:07, Help Desk (<help@desk.example>) va escriure:"},
	{"ca", "thunderbird", "El 01/12/2026 a les 15:07, Help Desk ha escrit:"},
	{"tr", "gmail", "Help Desk <help@desk.example>, 1 Ara 2026 Sal, 15:07 tarihinde şunu yazdı:"},
	{"tr", "thunderbird", "01.12.2026 15:07 tarihinde Help Desk yazdı:"},
	{"ja", "gmail", "2026年12月1日(火) 15:07 Help Desk <help@desk.example>:"},
	{"ja", "apple", "2026/12/01 15:07、Help Desk <help@desk.example>のメール:"},
	{"ja", "thunderbird", "On 2026/12/01 15:07, Help Desk wrote:"},
	{"zh", "gmail", "Help Desk <help@desk.example> 于2026年12月1日周二 15:07写道："},
	{"zh", "thunderbird", "在 2026/12/1 15:07, Help Desk 写道:"},
	{"zh-tw", "gmail", "Help Desk <help@desk.example> 於 2026年12月1日 週二 下午3:07寫道："},
	{"ko", "gmail", "2026년 12월 1일 (화) 오후 3:07, Help Desk <help@desk.example>님이 작성:"},
	{"ko", "apple", "2026. 12. 1. 오후 3:07, Help Desk <help@desk.example> 작성:"},
	{"ko", "thunderbird", "2026-12-01 오후 3:07에 Help Desk 이(가) 쓴 글:"},
	{"vi", "gmail", "Vào Th 3, 1 thg 12, 2026 vào lúc 15:07 Help Desk <help@desk.example> đã viết:"},
	{"vi", "thunderbird", "Vào 01/12/2026 15:07, Help Desk đã viết:"},
	{"any", "bold from html", "*On Tue, Dec 1, 2026 at 3:07 PM Help Desk <help@desk.example> wrote:*"},
}

func TestAttributionsPerLanguage(t *testing.T) {
	for _, c := range attributionCases {
		t.Run(c.lang+" "+c.client, func(t *testing.T) {
			for shape, in := range map[string]string{
				"quoted":   "New text.\n\n" + c.line + "\n\n> old text\n> more",
				"unquoted": "New text.\n\n" + c.line + "\n\nold text\nmore",
				"run-on":   "New text. " + c.line + "\n> old text",
			} {
				if shape == "run-on" && !runOnFound(c.line) {
					continue
				}
				if got := Strip(in); got != "New text." {
					t.Errorf("%s: Strip(%q) = %q", shape, in, got)
				}
			}
		})
	}
}

// runOnFound reports whether an attribution is found after reply text on
// its line: when it starts with an opener, or with a capitalised name and
// has an address. One starting with a date or a lower-case weekday ("tir.
// 1. des. 2026 …") is not, lest dates be taken apart.
func runOnFound(line string) bool {
	t := trimMarkup(normSpace(line))
	if openerRe.MatchString(t) {
		return true
	}
	r := []rune(t)[0]
	return unicode.IsUpper(r) && hasAddress(t) && !verblessRe.MatchString(t)
}

// TestWrappedAttributions covers attributions that Gmail's plain text and
// other clients wrap over two or three lines, mostly inside the address.
func TestWrappedAttributions(t *testing.T) {
	tests := []struct{ name, attr string }{
		{"en gmail address", "On Tue, Dec 1, 2026 at 3:07 PM Help Desk of Example Company <\nhelp@desk.example> wrote:"},
		{"nl thunderbird", "Op 01-12-2026 om 15:07 schreef Help Desk\n<help@desk.example>:"},
		{"da gmail", "Den tir. 1. dec. 2026 kl. 15.07 skrev Help Desk Danmark <\nhelp@desk.example>:"},
		{"pl gmail", "wt., 1 gru 2026 o 15:07 Dział Pomocy Example <\nhelp@desk.example> napisał(a):"},
		{"fi gmail", "ti 1.12.2026 klo 15.07 Help Desk Suomi (help@desk.example)\nkirjoitti:"},
		{"zh gmail", "Help Desk <help@desk.example> 于2026年12月1日周二\n15:07写道："},
		{"no gmail wrapped before >:", "tir. 14. apr. 2026 kl. 13:09 skrev Kundeservice Fjell <kundeservice@desk.example\n>:"},
		{"iso date-first wrapped after <", "2026-10-17 11:28 GMT+03:00 Help Desk <\nhelp@desk.example>:"},
		{"hu gmail after the year", "Tisza Támogatás <help@desk.example> ezt írta (időpont: 2026.\nnov. 3., K, 10:12):"},
		{"tr gmail", "Help Desk Türkiye <help@desk.example>, 1 Ara 2026 Sal, 15:07\ntarihinde şunu yazdı:"},
		{"sylpheed three lines", "On Tue, 1 Dec 2026 15:07:44 +0100\nHelp Desk of Example Company\n<help@desk.example> wrote:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tail := range []string{"\n\n> old", "\n\nold unquoted"} {
				in := "Fine.\n\n" + tt.attr + tail
				if got := Strip(in); got != "Fine." {
					t.Errorf("Strip(%q) = %q", in, got)
				}
			}
		})
	}
}

// TestDashedAttributions covers Zoho's and Android mail's attributions
// between dashes.
func TestDashedAttributions(t *testing.T) {
	for _, attr := range []string{
		"---- On Tue, 01 Dec 2026 15:07:44 +0100 Help Desk <help@desk.example> wrote ----",
		"---- Em ter, 01 dez 2026 15:07:44 -0300 Help Desk <help@desk.example> escreveu ----",
		"---- Am Di, 01 Dez 2026 15:07:44 +0100 schrieb Help Desk <help@desk.example> ----",
		"---- Le mar., 01 déc. 2026 15:07:44 +0100 Help Desk <help@desk.example> a écrit ----",
		"---- Help Desk wrote ----",
		`-----"Help Desk" <help@desk.example> wrote: -----`,
	} {
		in := "Yes.\n\n" + attr + "\n\nold text"
		if got := Strip(in); got != "Yes." {
			t.Errorf("Strip(%q) = %q", in, got)
		}
	}
}

// TestAttributionLookalikes are the sender's own sentences and lines that
// share words or shape with attributions: all must be kept.
func TestAttributionLookalikes(t *testing.T) {
	for _, in := range []string{
		"I wrote: the file is missing.\nPlease check.",
		"Your colleague wrote: restart it. I did.",
		"On Monday at 10:15 the server restarted and everyone wrote:\n\"the app is down\".",
		"Ihr Kollege schrieb mir gestern Folgendes:\n\nBitte neu starten.\n\nHabe ich gemacht.",
		"Jeg skrev til jer i sidste uge om følgende:\n\nPrinteren virker ikke.",
		"Kolega napisał:\n\"nie działa drukarka\"\ni nie działa.",
		"Коллега пишет:\nошибка 17 на кассе.",
		"W dniu 23.11.2026 o 10:15 napisałem do Was:\n\"faktura jest błędna\"\ni nadal nic.",
		"Zitat von Goethe:\nEs irrt der Mensch, solang er strebt.\nTrotzdem geht es nicht.",
		"Log:\n2026-11-23 10:15:02 ERROR sync <orders@desk.example>:\n2026-11-23 10:15:03 retry",
		"At 10:15 on 23/11 I sent it to help@desk.example, as Anna wrote.\nPlease confirm.",
		"Steps:\n---- restart the service ----\n---- clear the cache ----\nNothing helped.",
		"보고서 작성:\n1. 매출\n2. 비용",
		"Em 23/11/2026 às 10:15 o sistema caiu e o técnico escreveu:\nreinicie o servidor\nFiz isso.",
		"Am 23.11.2026 um 10:15 schrieb mir Ihr Kollege:\nbitte neu starten\nHabe ich gemacht.",
		"On 23/11/2026 at 10:15 the nightly job wrote:\nERROR 17\nWhat does it mean?",
		"Đây là những gì tôi đã viết:\nhệ thống bị lỗi.",
	} {
		if got, want := Strip(in), tidy(splitLines(in)); got != want {
			t.Errorf("Strip(%q)\n got: %q\nwant: %q", in, got, want)
		}
	}
}

// TestRunOnAttributionKeepsReply checks that reply text on the attribution's
// line stays, and that dates and abbreviations are not taken for the end
// of a reply.
func TestRunOnAttributionKeepsReply(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Works now, thanks! On Tue, Dec 1, 2026 at 3:07 PM Help Desk <help@desk.example> wrote:\n> old", "Works now, thanks!"},
		{"Listo, gracias. El mar, 1 dic 2026 a las 15:07, Help Desk (<help@desk.example>) escribió:\nviejo", "Listo, gracias."},
		{"Köszönöm, rendben. Help Desk <help@desk.example> ezt írta (időpont: 2026. dec. 1., K, 15:07):\n> régi", "Köszönöm, rendben."},
		{"Ok.\n\nAm Di., 1. Dez. 2026 um 15:07 Uhr schrieb Help Desk <help@desk.example>:\n> alt", "Ok."},
		{"Ok.\n\nDen tir. 1. dec. 2026 kl. 15.07 skrev Help Desk <help@desk.example>:\n> gammel", "Ok."},
		{"Ok.\n\nDr. Henrique Silva <h@desk.example> escreveu:\n> antigo", "Ok."},
	}
	for _, tt := range tests {
		if got := Strip(tt.in); got != tt.want {
			t.Errorf("Strip(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
		}
	}
	// Splitting finds only the start of an attribution, never inside one.
	for _, line := range []string{
		"Am Di., 1. Dez. 2026 um 15:07 Uhr schrieb Help Desk <help@desk.example>:",
		"Den tir. 1. dec. 2026 kl. 15.07 skrev Help Desk <help@desk.example>:",
		"Le mar. 1 déc. 2026 à 15:07, Help Desk <help@desk.example> a écrit :",
		"Mr. J. Smith <j@desk.example> wrote:",
	} {
		if k := replyBefore(line, true); k != 0 {
			t.Errorf("replyBefore(%q) = %d: %q", line, k, line[:k])
		}
	}
}

func TestNormSpaceKeepsOffsets(t *testing.T) {
	for _, s := range []string{"a\u00a0b", "x\u202f:", "差出人：", "\u3000y", "plain"} {
		n := normSpace(s)
		if len(n) != len(s) {
			t.Errorf("normSpace(%q) = %q: %d bytes, want %d", s, n, len(n), len(s))
		}
		if strings.ContainsAny(n, "\u00a0\u202f\uff1a\u3000") {
			t.Errorf("normSpace(%q) = %q kept a special space or colon", s, n)
		}
	}
}

// TestAttributionsOverUnquotedHistory: attributions certain enough to cut
// the unquoted original below them.
func TestAttributionsOverUnquotedHistory(t *testing.T) {
	for name, attr := range map[string]string{
		"yandex time first":    `11:00 AM, November 17, 2026, "Help - Desk" <help@desk.example>:`,
		"fi apple dotted time": `30.09.2026, 18.30, "Help - Desk" <help@desk.example>:`,
		"you wrote, no time":   "On Nov 26, 2025 you wrote:",
		"você escreveu":        "Em 26 de nov. de 2025 você escreveu:",
	} {
		in := "Fine.\n\n" + attr + "\n\nThe original, unquoted."
		if got := Strip(in); got != "Fine." {
			t.Errorf("%s: Strip(%q) = %q", name, in, got)
		}
	}
	// Not an attribution: a person's sentence with a date and "you".
	in := "On Nov 26, 2025 you wrote that the fix was live, but it is not:\n\nstill broken"
	if got := Strip(in); got != in {
		t.Errorf("Strip(%q) = %q", in, got)
	}
}

func TestYahooDashedRunOn(t *testing.T) {
	in := "Thanks, that fixed it--- On Wed, Apr 4, 2026 at 3:59 PM, help@desk.example <help@desk.example> wrote:\n> Please restart."
	if got := Strip(in); got != "Thanks, that fixed it" {
		t.Errorf("Strip = %q", got)
	}
	keep := "The range is 1---5 and On Monday we wrote: nothing"
	if got := Strip(keep); got != keep {
		t.Errorf("Strip(%q) = %q", keep, got)
	}
}

// TestMoreAttributionShapes: SquirrelMail's "X disse:", Tutanota's bare
// address after "por", Mutt's bracketed date, GroupWise's banner and the
// Hungarian separator.
func TestMoreAttributionShapes(t *testing.T) {
	for name, in := range map[string]string{
		"squirrelmail disse": "Fine.\n\nSuporte TI disse:\n\n> old",
		"tutanota por":       "Fine.\n\n3 de dez. de 2026 10:02 por help@desk.example:\n\n> old",
		"mutt":               "Fine.\n\n* Help Desk <help@desk.example> [2026-12-02 18:22 +0000]:\n> old",
		"groupwise":          "Fine.\n\n>>> \"Help Desk\" <help@desk.example> 12/2/2026 2:15 PM >>>\nold unquoted",
		"hu separator":       "Fine.\n\n---------- Eredeti levél ----------\nFeladó: Help <help@desk.example>\nold",
	} {
		if got := Strip(in); got != "Fine." {
			t.Errorf("%s: Strip(%q) = %q", name, in, got)
		}
	}
	// "said:" over unquoted text is the sender's sentence.
	keep := "The technician said:\n\nrestart the router every day"
	if got := Strip(keep); got != keep {
		t.Errorf("Strip(%q) = %q", keep, got)
	}
	// Mutt's line above a bottom post: the answer stays.
	if got := Strip("* Help <help@desk.example> [2026-12-02 18:22 +0000]:\n> q?\n\nAnswer."); got != "Answer." {
		t.Errorf("mutt bottom post: %q", got)
	}
}
