package mailin

import (
	"strings"
)

// Reasons recorded for mail that is ignored or held.
const (
	ReasonAutoReply      = "auto-reply"
	ReasonBounce         = "bounce"
	ReasonFeedback       = "feedback-report"
	ReasonMailingList    = "mailing-list"
	ReasonLoop           = "loop"
	ReasonNoSender       = "no-sender"
	ReasonNotParticipant = "not-participant"
	ReasonUnknownSender  = "unknown-sender"
	ReasonUnparseable    = "unparseable"
	ReasonSpam           = "spam"
)

// classify decides whether a message must never become a ticket nor get an
// answer (DESIGN.md "Never answer"), and why. isOurs reports our own
// addresses. The order matters: the most specific reason wins. Headers
// decide first; the body is read only for the machine mail that carries no
// header saying so (text bounces of Postfix, Exim, qmail, Sendmail,
// Exchange, SES notifications), and a subject alone never decides: people
// write "Auto: meu carro não liga".
func classify(p *Parsed, isOurs func(string) bool) string {
	h := p.Header
	if p.From == "" {
		return ReasonNoSender
	}
	if isOurs(p.From) || h.Get("X-Ticketgw-Ticket") != "" {
		return ReasonLoop
	}
	if r := reportReason(p); r != "" {
		return r
	}
	local, domain, _ := strings.Cut(p.From, "@")
	local = strings.Trim(strings.ToLower(local), `"`)
	if daemonLocal(local) || h.Get("X-Failed-Recipients") != "" {
		return ReasonBounce
	}
	if listHeaders(p) || listServer(local) {
		return ReasonMailingList
	}
	if autoHeaders(p) || machineHeaderNames(p) || noReplyNotice(p, local) || helpdeskAck(p, local) || plainReceipt(p) {
		return ReasonAutoReply
	}
	if r := machineBody(p, local, domain); r != "" {
		return r
	}
	if autoReplyShape(p) || selfDeclaredAuto(p) {
		return ReasonAutoReply
	}
	return ""
}

// reportReason reads RFC 6522 reports: delivery status (a bounce),
// disposition notifications (a read receipt, answered by no one) and ARF
// feedback (an abuse complaint about mail we sent). Some senders wrap the
// report parts in multipart/mixed, so the parts count too.
func reportReason(p *Parsed) string {
	if p.MediaType == "multipart/report" {
		_, params, _ := p.Header.ContentType()
		switch strings.ToLower(params["report-type"]) {
		case "disposition-notification":
			return ReasonAutoReply
		case "feedback-report":
			return ReasonFeedback
		}
		return ReasonBounce
	}
	for _, t := range p.PartTypes {
		switch t {
		case "message/delivery-status", "message/global-delivery-status":
			return ReasonBounce
		case "message/feedback-report":
			return ReasonFeedback
		case "message/disposition-notification", "message/global-disposition-notification":
			return ReasonAutoReply
		}
	}
	return ""
}

// daemonLocal: the local parts MTAs send bounces from.
func daemonLocal(local string) bool {
	switch local {
	case "mailer-daemon", "mailerdaemon", "mail-daemon", "maildaemon", "postmaster", "post_master",
		"post-master", "mail.daemon", "mdaemon", "mailer_daemon", "bounce", "bounces", "bounce-notification":
		return true
	}
	return false
}
