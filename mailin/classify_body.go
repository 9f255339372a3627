package mailin

import (
	"regexp"
	"strings"
)

// mtaSignatures open the non-delivery reports MTAs send as plain text,
// without multipart/report, in words no person writes to a help desk:
// Postfix, Exim, qmail, Sendmail, Exchange and Office 365 (in their
// languages), Gmail, Verizon/AOL-style post_master, DragonFly dma. Lower
// case. One of them near the start of the text is a bounce.
var mtaSignatures = []string{
	"this is the mail system at host",
	"this message was created automatically by mail delivery software",
	"this is the qmail-send program",
	"----- transcript of session follows -----",
	"----- the following addresses had permanent fatal errors -----",
	"delivery has failed to these recipients or groups",
	"delivery to the following recipient failed permanently",
	"delivery to the following recipients failed",
	"this message was undeliverable due to the following reason",
	"this is the dragonfly mail agent",
	"i'm sorry to have to inform you that your message could not",
	"this is an automatically generated delivery status notification",
	"a entrega falhou para estes destinatários ou grupos",
	"la entrega ha fallado a estos destinatarios o grupos",
	"die zustellung an folgende empfänger oder gruppen ist fehlgeschlagen",
	"la remise a échoué pour ces destinataires ou groupes",
	"il recapito non è riuscito per questi destinatari o gruppi",
}

// bounceWording is how reports word a failure, which a person may write
// too: it counts only from a robot sender under a bounce subject.
var bounceWording = []string{
	"the original message was received at",
	"your message to", // "… couldn't be delivered" checked with it below
	"sorry, we were unable to deliver your message",
	"your message did not reach some or all of the intended recipients",
	"there was an error delivering your mail",
	"delivery failure",
	"message delivery has failed",
	"the following message to",
	"unable to deliver message to the following recipients",
	"your message could not be delivered",
	"your message wasn't delivered",
	"message not delivered",
	"a message that you sent could not be delivered",
	"a message that you sent has not yet been delivered",
	"não foi possível entregar a mensagem",
	"no ha sido posible entregar su mensaje",
	"no se ha podido entregar su mensaje",
	"su mensaje no pudo ser entregado",
	"votre message n'a pas pu être distribué",
	"non è stato possibile recapitare il messaggio",
	"a mensagem não pôde ser entregue",
	"sua mensagem não pôde ser entregue",
	"ihre nachricht konnte nicht zugestellt werden",
	"votre message n'a pas pu être remis",
}

// couldNotDeliver completes "your message to …": the Exchange wording.
var couldNotDeliver = []string{"couldn't be delivered", "could not be delivered", "não pôde ser entregue", "wasn't delivered", "no se pudo entregar", "konnte nicht zugestellt werden"}

// bounceSubjects start the subjects of non-delivery reports.
var bounceSubjects = []string{
	"undeliverable", "undelivered mail", "undelivered message", "returned mail", "mail delivery failed",
	"mail delivery failure", "delivery status notification", "delivery failure", "failure notice",
	"delivery notification", "message not delivered", "non-delivery", "nondeliverable", "delivery has failed",
	"warning: message", "delayed mail", "mail system error", "delivery report", "delivery failed",
	"não é possível entregar", "mensagem não entregue", "não entregue", "falha na entrega", "unzustellbar",
	"nicht zustellbar", "no se puede entregar", "no se pudo entregar", "non remis", "échec de la remise",
	"non recapitabile", "onbestelbaar", "kan inte levereras", "mensaje no entregado", "mensagem não entregue",
	"message non distribué", "messaggio non consegnato",
}

// smtpReplyRE finds an SMTP failure reply with its enhanced status code
// ("550 5.1.1"), which reports quote from the remote server.
var smtpReplyRE = regexp.MustCompile(`\b5\d\d[ -]#?5\.\d{1,3}\.\d{1,3}\b`)

// failureWords say, in the languages of reports, that delivery failed.
var failureWords = []string{
	"could not be delivered", "couldn't be delivered", "undeliverable", "delivery failed", "permanent",
	"user unknown", "no such user", "mailbox unavailable", "não foi possível entregar", "não entregue",
	"no ha sido posible entregar", "no se ha podido entregar", "no se pudo entregar", "no entregado",
	"konnte nicht zugestellt", "unzustellbar", "n'a pas pu être", "non remis", "impossibile consegnare",
	"non è stato possibile recapitare", "kon niet worden afgeleverd",
}

// dmarcReport: a DMARC aggregate report (RFC 7489 section 7.2), by its
// subject or by its report file's name (receiver!domain!begin!end).
func dmarcReport(p *Parsed, subject string) bool {
	if strings.HasPrefix(subject, "report domain:") && strings.Contains(subject, "submitter:") {
		return true
	}
	for _, a := range p.Attachments {
		n := strings.ToLower(a.Filename)
		if strings.Count(n, "!") >= 3 && (strings.HasSuffix(n, ".xml.gz") || strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".xml")) {
			return true
		}
	}
	return false
}

// dsnFields are the RFC 3464 fields MTAs copy into a text report.
var dsnFields = []string{"final-recipient:", "action: failed", "diagnostic-code:", "status: 5.", "reporting-mta:", "remote-mta:"}

// machineBody reads the body of mail that carries no header saying it is
// automatic but is, by what any reader sees in its first lines. It never
// applies to a reply or a forward (the subject's Re:/Fwd:): a customer
// forwarding a bounce to support is asking for help.
func machineBody(p *Parsed, local, domain string) string {
	if replyPrefixRE.MatchString(p.Subject) {
		return ""
	}
	subject := strings.ToLower(strings.TrimSpace(p.Subject))
	if dmarcReport(p, subject) {
		return ReasonFeedback
	}
	// A robot sender (or a sending platform's bounce Return-Path) lets
	// the whole start of the text decide; from anyone
	// else only an MTA's own opening words do, in its first lines: a
	// person who pastes a bounce writes a line or two above it, and one
	// whose subject says "Delivery failure" is asking about it.
	robot := robotLocal(local) || bulkReturnPath(p)
	full := strings.TrimSpace(p.Text)
	n := 4096
	if !robot {
		n = 1024
	}
	text := asciiLower(full[:min(len(full), n)])
	if r := amazonNotification(text, domain); r != "" {
		return r
	}
	if strings.Contains(text, "feedback-type:") && strings.Contains(text, "user-agent:") && strings.Contains(text, "version:") {
		return ReasonFeedback
	}
	head := len(text)
	if !robot {
		head = min(firstLines(text, 3), 600)
	}
	for _, o := range mtaSignatures {
		if i := strings.Index(text, o); i >= 0 && i < head {
			return ReasonBounce
		}
	}
	// Exchange's "Your message to x@y couldn't be delivered." opening.
	if i := strings.Index(text, "your message to "); i >= 0 && i < head && containsAny(text[i:min(len(text), i+300)], couldNotDeliver) {
		return ReasonBounce
	}
	dsnStart := strings.HasPrefix(text, "reporting-mta:") || strings.HasPrefix(text, "final-recipient:")
	if !robot && !dsnStart {
		return ""
	}
	// RFC 3464 fields copied into the text: the report itself when they
	// open it or come from a robot; a person pastes them to ask about them.
	if countAny(text, dsnFields) >= 3 {
		return ReasonBounce
	}
	if !robot {
		return ""
	}
	if hasPrefixAny(subject, bounceSubjects) {
		for _, o := range bounceWording {
			i := strings.Index(text, o)
			if i < 0 || o == "your message to" && !containsAny(text[i:min(len(text), i+400)], couldNotDeliver) {
				continue
			}
			return ReasonBounce
		}
	}
	if smtpReplyRE.MatchString(text) && containsAny(text, failureWords) {
		return ReasonBounce
	}
	if containsAny(text, listNotices) {
		return ReasonMailingList
	}
	return ""
}

// firstLines is the length of the first n non-blank lines of text.
func firstLines(text string, n int) int {
	off := 0
	for off < len(text) && n > 0 {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			return len(text)
		}
		if strings.TrimSpace(text[off:off+end]) != "" {
			n--
		}
		off += end + 1
	}
	return off
}

// asciiLower lower-cases ASCII letters only: far cheaper than
// strings.ToLower on accented text, and enough for the tables above, since
// reports are written in sentence case whose capitals are ASCII letters
// ("A entrega falhou…", "Die Zustellung…"); a report all in accented
// capitals would go unread.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// listNotices are what list servers say when they hold, reject or loop.
var listNotices = []string{
	"awaits moderator approval", "held until the list moderator", "is being held until", "mail loop detected",
	"message rejected by", "was rejected by the group", "you are not allowed to post", "you are not a member",
	"command not understood", "unrecognized command", "post to a moderated list",
}

// amazonNotification reads Amazon SES notifications delivered by email
// (through SNS or SES feedback forwarding): JSON whose notificationType or
// eventType says Bounce or Complaint.
func amazonNotification(text, domain string) string {
	fromAmazon := strings.HasSuffix(domain, "amazonses.com") || strings.HasSuffix(domain, "amazonaws.com")
	if !strings.HasPrefix(text, "{") && !fromAmazon {
		return ""
	}
	if strings.Contains(text, `"notificationtype"`) || strings.Contains(text, `"eventtype"`) {
		switch {
		case strings.Contains(text, `"complaint"`):
			return ReasonFeedback
		case strings.Contains(text, `"bounce"`):
			return ReasonBounce
		}
	}
	if strings.HasSuffix(domain, "sns.amazonaws.com") {
		return ReasonAutoReply // any SNS notification is a machine's
	}
	return ""
}

// robotLocal: local parts that no person answers from.
func robotLocal(local string) bool {
	if noReplyLocal(local) {
		return true
	}
	for _, w := range []string{"daemon", "bounce", "mailer", "notification", "microsoftexchange", "mail-delivery", "delivery-status"} {
		if strings.Contains(local, w) {
			return true
		}
	}
	switch local {
	case "root", "mail", "smtp", "mta", "nobody", "postfix", "exim", "qmail", "sendmail", "mailadmin", "mailsystem":
		return true
	}
	return false
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func countAny(s string, subs []string) int {
	n := 0
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}
