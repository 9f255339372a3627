package quote

import (
	"regexp"
	"strings"
)

// The words of reply attributions, per language, as Gmail, Outlook, Apple
// Mail, Thunderbird, Yahoo and Horde write them, lower-cased. They are
// compared with text that has been through normSpace, so no-break spaces
// are plain spaces and a full-width colon is ":".

// endVerbs end an attribution, right before its colon, after a separator
// (space, comma, closing bracket or quote): "On … X wrote:".
var endVerbs = []string{
	// en, pt, es, fr, de, it
	`wrote`, `writes`, `wrote the following`, `escreveu`, `escribió`, `escribio`,
	`a écrit`, `a ecrit`, `geschrieben`, `ha scritto`, `scrisse`,
	// nl ("het volgende geschreven"), da/no/sv, fi
	`geschreven`, `schreef`, `skrev`, `kirjoitti`,
	// pl, cs
	`napisał(a)`, `napisał`, `napisała`, `pisze`, `napsal(a)`, `napsal/a`, `napsal`, `napsala`,
	// ru, uk
	`пишет`, `написал(а)`, `написал`, `написала`, `пише`, `написав(ла)`, `написав`,
	// hu, ca, tr, vi
	`írta`, `va escriure`, `ha escrit`, `yazdı`, `đã viết`,
	// SquirrelMail and others say "said"; like every end verb without a
	// date or address, it counts only over a ">" quote.
	`disse`, `said`, `dijo`, `a dit`, `sagte`, `ha detto`, `zei`,
}

// boundVerbs end an attribution like endVerbs but are written straight
// after the name or date, without a space, in ja, zh and ko: "X 于…
// 10:15写道：", "X <x@y>님이 작성:", "X <x@y>のメール:".
var boundVerbs = []string{
	`写道`, `寫道`, `님이 작성`, `작성`, `쓴 글`, `のメール`, `さんは書きました`, `が書きました`,
}

// tailVerbs are followed, after a space or a bracket, by the name or the
// date before the colon: de
// "Am … schrieb X <x@y>:", nl "Op … schreef X:", da/no/sv "… skrev X:", fi
// "X kirjoitti 23.11.2026 klo 10.15:", hu "X ezt írta (időpont: …):".
var tailVerbs = []string{`schrieb`, `schreef`, `skrev`, `kirjoitti`, `ezt írta`,
	// "X wrote on 12/1/2026 5:20 PM:" and its kin, the date after the verb.
	`wrote on`, `escreveu em`, `escreveu no dia`, `escribió el`, `a écrit le`, `schrieb am`, `ha scritto il`,
	`schreef op`, `napisał(a) w dniu`}

// startPhrases open attributions that name the author first: Horde's
// "Quoting X:" in its translations, Apple Mail's Polish "Wiadomość napisana
// przez X w dniu …:".
var startPhrases = []string{
	`citando`, `quoting`, `zitat von`, `citation de`, `cita de`, `citaat van`,
	`cytowanie`, `citace`, `цитата`, `citerar`, `citerer`, `siterer`, `lainaus`,
	`idézet`, `wiadomość napisana przez`,
}

// openers are the first words of dated attributions ("On", "Em", "Am",
// "Den", "W dniu", "Vào", "在" …). They let an attribution wrapped over
// several lines be joined and one run on after the reply text be found.
var openers = []string{
	`on`, `em`, `el`, `le`, `am`, `il`, `il giorno`, `op`, `den`, `dne`, `dňa`,
	`w dniu`, `dnia`, `vào`, `在`,
}

// openerRe matches a line that starts with an opener.
var openerRe = regexp.MustCompile(`(?i)^(?:` + strings.Join(openers, `|`) + `)\s`)

// Gmail in several languages (ru, ja, and the date-first form it used
// everywhere before 2015) writes no verb at all: "пн, 23 нояб. 2026 г. в
// 10:15, X <x@y>:", "2026年11月23日(月) 10:15 X <x@y>:", "2014-03-20 8:48
// GMT+01:00 X <x@y>:"; so do Apple Mail in cs ("23. 11. 2026 v 10:15, X
// <x@y>:"), Yandex and Mail.ru (time first: "11:00 AM, November 17, 2026,
// X <x@y>:"). Such a line starts with the date or the time (a digit, or a
// weekday and a comma), carries a time of day, and ends with the bracketed
// address and the colon.
var (
	verblessRe = regexp.MustCompile(`^(?:(?:\d|\pL{1,12}\.?,\s).*\b[0-2]?\d[:.][0-5]\d\b|[0-2]?\d[:.][0-5]\d\b).*[<(\[][^\s<>()\[\]]+@[^\s<>()\[\]]+[>)\]]\s*:$`)
	// gmailDateFirstRe is the date-first form, certain enough to be
	// taken without a blank line after it.
	gmailDateFirstRe = regexp.MustCompile(`^\d{4}-\d\d-\d\d [0-2]?\d:[0-5]\d GMT[+-]\d{1,2}:\d\d\s`)
	// byAddressRe is Tutanota's "3 de dez. de 2026 10:02 por x@y:": the
	// date, the time, a preposition and a bare address.
	byAddressRe = regexp.MustCompile(`^\d.*\b[0-2]?\d[:.][0-5]\d\b.*\s(?:por|by|von|de|par|da|od|от|door|av|af|di)\s+[^\s<>()]+@[^\s<>()]+\s*:$`)
	// muttRe is Mutt's "* X <x@y> [2026-12-02 18:22 +0000]:" (its
	// leading "*" already trimmed as markup).
	muttRe = regexp.MustCompile(`^\S.*<[^\s<>]+@[^\s<>]+>\s*\[\d{4}-\d\d-\d\d [0-2]?\d:[0-5]\d[^\]]*\]:$`)
	// secondsRe marks log lines ("2026-11-23 10:15:02 ERROR … <x@y>:"):
	// no verbless attribution has seconds.
	secondsRe = regexp.MustCompile(`\d:[0-5]\d:[0-5]\d`)
)
