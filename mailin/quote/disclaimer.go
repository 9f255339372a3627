package quote

import "strings"

// disclaimerWords are what confidentiality and data-protection notices
// say, in the languages of the customers' companies, lower-cased (word
// starts, to catch the inflections). A paragraph with two of them is a
// notice; one alone is a sentence that mentions a secret.
var disclaimerWords = []string{
	"confidenci", "confidenti", "confidenzial", "vertraulich", "vertrouwelijk", "gizli",
	"privilegiad", "privileged", "privilégi", "destinatário", "destinatario", "destinataire", "addressee",
	"intended recipient", "empfänger", "geadresseerde", "alıcı", "lgpd", "gdpr", "rgpd", "proteção de dados",
	"protección de datos", "data protection", "datenschutz", "dados pessoais", "datos personales",
	"données personnelles", "sigilo", "unauthori", "não autorizad", "no autorizad", "prohibited", "proibid",
	"prohibid", "interdit", "vietat", "verboten", "yasak", "verboden", "por engano", "por error", "in error",
	"par erreur", "per errore", "irrtümlich", "ten onrechte", "yanlışlıkla", "apague", "delete", "supprim",
	"elimin", "löschen", "verwijder", "silin",
}

// cutDisclaimer drops a confidentiality or privacy notice that companies'
// mail servers and Outlook add under the signature, and everything after
// it. It is no part of what the sender wrote, and it follows every message
// of theirs. A notice is a paragraph with two disclaimerWords that comes
// after the sender's sign-off ("Atenciosamente,", "Regards,") or opens as
// notices do ("Esta mensagem…", "CONFIDENTIALITY NOTICE"), never the first
// paragraph: "Apaguem os dados pessoais do cliente, ele pediu pela LGPD" is
// a request. The rule line drawn above a notice goes with it.
func cutDisclaimer(lines []string) []string {
	start, first, signedOff := -1, true, false
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && !isBlank(lines[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start < 0 {
			continue
		}
		par := lines[start:i]
		if !first && (signedOff || noticeOpens(par[0])) && isDisclaimer(par) {
			end := start
			for end > 0 && (isBlank(lines[end-1]) || isRule(lines[end-1])) {
				end--
			}
			return lines[:end]
		}
		for _, l := range par {
			if isSignOff(l) {
				signedOff = true
			}
		}
		first, start = false, -1
	}
	return lines
}

// signOffs close a message before the signature, lower-cased.
var signOffs = []string{
	"atenciosamente", "att", "att.", "atte", "atte.", "abraço", "abraços", "abs", "obrigado", "obrigada",
	"cordialmente", "saudações", "grato", "grata", "regards", "best regards", "kind regards", "best", "thanks",
	"thank you", "cheers", "sincerely", "saludos", "un saludo", "saludos cordiales", "cordialement",
	"bien cordialement", "mit freundlichen grüßen", "viele grüße", "beste grüße", "met vriendelijke groet",
	"groeten", "cordiali saluti", "distinti saluti", "saluti", "grazie", "pozdrawiam", "с уважением",
	"saygılarımla", "iyi çalışmalar", "敬具", "此致", "감사합니다",
}

func isSignOff(l string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(l), ",.!;:*_"))
	for _, s := range signOffs {
		if t == s {
			return true
		}
	}
	return false
}

// noticeOpens: the first words of a notice, lower-cased.
func noticeOpens(l string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(l), "*_-= "))
	for _, h := range []string{
		"aviso", "confidential", "confidentiality", "disclaimer", "privileged", "important notice", "notice:",
		"this e-mail", "this email", "this message", "the information", "esta mensagem", "este e-mail",
		"este email", "esta mensagem", "a informação", "as informações", "este mensaje", "la información",
		"ce message", "ce courriel", "diese e-mail", "diese nachricht", "deze e-mail", "dit bericht",
		"de informatie", "questo messaggio", "questa e-mail", "bu e-posta", "bu mesaj",
	} {
		if strings.HasPrefix(t, h) {
			return true
		}
	}
	return false
}

func isDisclaimer(par []string) bool {
	text := strings.ToLower(strings.Join(par, " "))
	n := 0
	for _, w := range disclaimerWords {
		if strings.Contains(text, w) {
			if n++; n == 2 {
				return true
			}
		}
	}
	return false
}

// isRule: a line of dashes, underscores, equals signs or stars only.
func isRule(l string) bool {
	t := strings.TrimSpace(l)
	return len(t) >= 3 && strings.Trim(t, "-_=*~") == ""
}
