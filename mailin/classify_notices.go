package mailin

import (
	"regexp"
	"strings"
)

// machineHeaderNames: the producers' own headers that mark automatic mail
// under a name of their making (X-QQ-Autoreply, X-Mimecast-Digest,
// X-Proofpoint-Digest, Exchange's inbox and transport rule agents), read
// by the header's name, as no list of producers can be complete.
func machineHeaderNames(p *Parsed) bool {
	fs := p.Header.Fields()
	for n := 0; n < 200 && fs.Next(); n++ {
		k := strings.ToLower(fs.Key())
		switch {
		case strings.Contains(k, "autoreply"), strings.Contains(k, "auto-reply"), strings.Contains(k, "autorespon"),
			strings.Contains(k, "auto-respon"):
			if v := strings.ToLower(strings.TrimSpace(fs.Value())); v != "no" && v != "false" && v != "0" {
				return true
			}
		case strings.HasPrefix(k, "x-") && strings.HasSuffix(k, "-digest"),
			k == "x-ms-exchange-generated-message-source", k == "x-ms-exchange-inbox-rules-loop":
			return true
		}
	}
	return false
}

// noReplyLocal: an address that says no one reads it.
func noReplyLocal(local string) bool {
	for _, w := range []string{"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
		"naoresponda", "nao-responda", "nao_responda", "noresponder", "no-responder", "nepasrepondre", "ne-pas-repondre"} {
		if strings.Contains(local, w) {
			return true
		}
	}
	return false
}

// bulkReturnPath: an envelope sender of a sending platform, which takes
// the bounces itself (bounce-…@, …@bounces.…): mail sent by software.
func bulkReturnPath(p *Parsed) bool {
	rp := strings.ToLower(p.Header.Get("Return-Path"))
	return strings.Contains(rp, "bounce")
}

// noReplyNotice: a notification from a no-reply address sent through a
// sending platform (Gmail's forwarding confirmation, Mandrill's bounce
// digests, a help desk's acknowledgement sent with Sender: noreply@). A
// person who happens to write from no-reply-vendas@ sends from their own
// mailbox and keeps a ticket.
func noReplyNotice(p *Parsed, local string) bool {
	if !bulkReturnPath(p) {
		return false
	}
	if noReplyLocal(local) {
		return true
	}
	if s := parseMailboxes(p.Header.Get("Sender")); len(s) > 0 {
		sl, _, _ := strings.Cut(s[0].addr, "@")
		return noReplyLocal(sl)
	}
	return false
}

// ackSubjects are how help desks and ticket systems title the
// acknowledgement they send for each message: answering it opens a ticket
// there that acknowledges ours, and so on.
var ackSubjects = []string{
	"received your request", "received your message", "received your email", "received your e-mail",
	"request received", "request has been received", "message has been received", "ticket received",
	"ticket created", "ticket opened", "new ticket", "ticket aberto", "chamado aberto", "chamado criado",
	"chamado registrado", "recebemos sua mensagem", "recebemos seu e-mail", "recebemos seu email",
	"recebemos sua solicitação", "recebemos o seu", "recebemos a sua", "solicitação recebida",
	"mensagem recebida", "protocolo de atendimento", "hemos recibido", "solicitud recibida", "ticket creado",
	"wir haben ihre", "anfrage erhalten", "nous avons bien reçu", "demande reçue", "abbiamo ricevuto",
	"we have received", "thank you for contacting", "thanks for contacting", "obrigado por entrar em contato",
	"gracias por contactar",
}

// foreignTicketRE finds another system's ticket number in a subject:
// "[#8803747245]", "[Ticket #93656]", "Protocolo 2026112900123".
var foreignTicketRE = regexp.MustCompile(`(?i)#\s?\d{3,}|\b(?:protocolo|ticket|chamado|caso|case|request|solicitação|pedido|incident|incidente|atendimento)\b[^0-9\n]{0,12}\d{3,}`)

// helpdeskAck: an acknowledgement by another help desk.
func helpdeskAck(p *Parsed, local string) bool {
	subject := strings.ToLower(tagRE.ReplaceAllString(p.Subject, ""))
	if !containsAny(subject, ackSubjects) {
		return false
	}
	return foreignTicketRE.MatchString(subject) || noReplyLocal(local) || bulkReturnPath(p)
}

// receiptSubjects start the subjects of read and return receipts sent as
// plain mail (Lotus Notes, older Outlook), without a disposition report.
var receiptSubjects = []string{
	"return receipt", "read receipt", "read:", "lido:", "leído:", "leido:", "gelesen:", "lu :", "lu:",
	"letto:", "gelezen:", "läst:", "luettu:", "przeczytano:", "прочитано:", "confirmação de leitura",
	"recibo de leitura", "confirmación de lectura", "lesebestätigung", "accusé de lecture",
}

// receiptWording is what such a receipt says.
var receiptWording = []string{
	"was received by", "was read", "foi lida", "foi lido", "foi recebid", "fue leído", "fue leido", "wurde gelesen",
	"a été lu", "è stato letto", "is gelezen", "lästes", "luettiin",
}

// plainReceipt: a receipt's subject and a receipt's words.
func plainReceipt(p *Parsed) bool {
	subject := strings.ToLower(strings.TrimSpace(p.Subject))
	if !hasPrefixAny(subject, receiptSubjects) {
		return false
	}
	text := p.Text
	if len(text) > 1024 {
		text = text[:1024]
	}
	return containsAny(asciiLower(text), receiptWording)
}
