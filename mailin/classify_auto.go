package mailin

import (
	"slices"
	"strings"
)

// autoSubjects start the subjects of out-of-office answers whose senders
// forget the RFC 3834 header. Alone they decide nothing ("Auto: meu carro
// não liga" is a person's); with autoWording in the body they do.
var autoSubjects = []string{
	"resposta automática", "resposta automatica", "automatic reply", "auto", "autoreply", "auto-reply",
	"auto reply", "autoresponder", "auto response", "respuesta automática", "respuesta automatica",
	"réponse automatique", "reponse automatique", "automatische antwort", "risposta automatica",
	"automatisch antwoord", "out of office", "out of the office", "ausência temporária", "fora do escritório",
	"ausente", "abwesenheitsnotiz", "abwesend", "absence", "fuera de la oficina", "ausencia", "vacation",
	"férias", "ferias",
}

// autoWording is what an automatic answer says of itself, in words a
// person writing to a help desk about the feature would not use.
var autoWording = []string{
	"this is an automatic reply", "this is an automated reply", "this is an automatic message",
	"this is an automated message", "this is an automatically generated",
	"i am out of the office", "i'm out of the office", "i am currently out of the office",
	"i will be out of the office", "i am on vacation", "i'm on vacation",
	"with limited access to email", "limited access to e-mail",
	"esta é uma resposta automática", "esta é uma mensagem automática", "esta mensagem é automática",
	"estou fora do escritório", "estou ausente", "estarei ausente", "estarei fora do escritório",
	"estou de férias", "estarei de férias", "com acesso limitado",
	"esta es una respuesta automática", "estoy fuera de la oficina", "estoy de vacaciones",
	"ich bin derzeit nicht im büro", "ich bin abwesend", "je suis absent", "je serai absent",
	"sono fuori ufficio", "ik ben afwezig",
}

// autoReplyShape: an out-of-office subject and an out-of-office body.
func autoReplyShape(p *Parsed) bool {
	// The marker is what comes before the subject's first colon:
	// "Resposta automática: [SUP-1] …", "Out of Office AutoReply: …".
	head, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(p.Subject)), ":")
	head = strings.TrimSpace(head)
	if !ok || !slices.ContainsFunc(autoSubjects, func(w string) bool { return head == w || strings.HasPrefix(head, w+" ") }) {
		return false
	}
	text := p.Text
	if len(text) > 2048 {
		text = text[:2048]
	}
	return containsAny(strings.ToLower(text), autoWording)
}

// selfDeclared are the words an automatic answer opens by saying what it
// is; in its first lines they decide even under a "Re:" subject, as a
// mail client's vacation filter writes it.
var selfDeclared = []string{
	"esta é uma resposta automática", "esta e uma resposta automatica", "esta é uma mensagem automática",
	"this is an automatic reply", "this is an automated reply", "this is an automatic response",
	"this is an automated response", "esta es una respuesta automática", "esta es una respuesta automatica",
	"ceci est une réponse automatique", "dies ist eine automatische antwort", "questa è una risposta automatica",
	"dit is een automatisch antwoord",
}

// selfDeclaredAuto: one of selfDeclared in the first three lines, not
// between quotation marks (a person citing what they received).
func selfDeclaredAuto(p *Parsed) bool {
	text := strings.TrimSpace(p.Text)
	text = strings.ToLower(text[:min(firstLines(text, 3), 1024)]) // one huge line is not read whole
	for _, line := range strings.Split(text, "\n") {
		if containsAny(line, selfDeclared) && !strings.ContainsAny(line, "\"“”«»'") {
			return true
		}
	}
	return false
}
