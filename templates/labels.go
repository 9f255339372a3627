package templates

import "strings"

// Languages lists the languages that every template exists in, default
// first. It returns a fresh slice each time: the caller may keep it.
func Languages() []string { return []string{"pt-BR", "en"} }

// canonLang maps a language tag to the spelling that names the template
// folders. Tags are case-insensitive (BCP 47), so "pt-br" from a hand-written
// configuration still finds "pt-BR".
func canonLang(lang string) (string, bool) {
	for _, l := range Languages() {
		if strings.EqualFold(lang, l) {
			return l, true
		}
	}
	return "", false
}

// StatusLabel is the word a customer or an analyst sees for a ticket status:
// the stored values (open, in_progress, ...) are identifiers, not prose. An
// unknown status or language gives the raw value back, so that a new status
// shows up recognisably rather than as an empty string.
func StatusLabel(lang, status string) string {
	l, _ := canonLang(lang)
	switch l {
	case "pt-BR":
		switch status {
		case "open":
			return "Aberto"
		case "in_progress":
			return "Em atendimento"
		case "waiting_customer":
			return "Aguardando cliente"
		case "resolved":
			return "Resolvido"
		case "closed":
			return "Fechado"
		}
	case "en":
		switch status {
		case "open":
			return "Open"
		case "in_progress":
			return "In progress"
		case "waiting_customer":
			return "Waiting for customer"
		case "resolved":
			return "Resolved"
		case "closed":
			return "Closed"
		}
	}
	return status
}

// TypeLabel is the name a customer or an analyst sees for a ticket type, for
// the same reason as StatusLabel; unknown values are given back raw.
func TypeLabel(lang, typ string) string {
	l, _ := canonLang(lang)
	switch l {
	case "pt-BR":
		switch typ {
		case "bug":
			return "Reportar bug"
		case "support":
			return "Suporte técnico"
		case "improvement":
			return "Sugerir melhoria"
		}
	case "en":
		switch typ {
		case "bug":
			return "Bug report"
		case "support":
			return "Technical support"
		case "improvement":
			return "Improvement suggestion"
		}
	}
	return typ
}
