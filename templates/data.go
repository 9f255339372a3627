package templates

import "strings"

// The notification kinds, one template pair per kind and language. The
// outbox worker (package mailout) names the kind of each email it composes;
// these constants keep the two packages from drifting apart on spelling.
const (
	// KindConfirmation acknowledges a new ticket.
	KindConfirmation = "confirmation"
	// KindReply carries an analyst's reply to the customer.
	KindReply = "reply"
	// KindStatus tells the customer that the ticket's status changed.
	KindStatus = "status"
	// KindAttachmentsRefused lists the attachments that the policy refused.
	KindAttachmentsRefused = "attachments_refused"
	// KindUnknownSender tells an unregistered sender that the message is
	// held and how to get the address registered.
	KindUnknownSender = "unknown_sender"
	// KindTicketLink carries a fresh link to one ticket's page, asked for
	// on the page of an expired or revoked link.
	KindTicketLink = "ticket_link"
	// KindListLink carries a fresh link to the list of the customer's
	// tickets (ListURL only; Key is "").
	KindListLink = "list_link"
)

// Kinds lists every notification kind, so that callers and tests can walk
// all of them. It returns a fresh slice each time: the caller may keep it.
func Kinds() []string {
	return []string{KindConfirmation, KindReply, KindStatus, KindAttachmentsRefused, KindUnknownSender, KindTicketLink, KindListLink}
}

// MailData is everything a notification template may show. The caller
// (package mailout) fills it; Mail then fills the derived label fields.
// Templates receive it as dot, so its field and method names are part of
// the contract with operators who override templates: extend, never rename.
type MailData struct {
	Lang           string    // "pt-BR" or "en"
	Kind           string    // "confirmation" | "reply" | "status" | "attachments_refused" | "unknown_sender" | "ticket_link" | "list_link"
	Key            string    // ticket key, e.g. "SUP-1042" ("" for unknown_sender)
	Subject        string    // ticket subject (or the held message's subject for unknown_sender)
	Type           string    // bug | support | improvement
	Department     string    // department the ticket is routed to
	Status         string    // open | in_progress | waiting_customer | resolved | closed
	Text           string    // kind reply: the analyst's reply text, shown whole
	Summary        string    // short summary (≤ ~300 chars) of the newest text in the ticket (the customer's message, or the reply)
	TicketURL      string    // deep link to the customer's ticket page ("" for unknown_sender)
	ListURL        string    // link to the list of all the customer's tickets ("" for unknown_sender)
	Refused        []Refused // kind attachments_refused: the files that were not accepted
	Allowed        []string  // allowed attachment extensions, e.g. ["pdf","png",...]
	MaxSize        string    // attachment size limit in words, e.g. "8 MiB"
	SupportAddress string    // the support address (From/Reply-To)
	SupportName    string    // its display name, may be ""
	AnalystName    string    // kind reply: who answered, may be ""

	// StatusLabel and TypeLabel are derived by Mail from Status and Type in
	// the data's language, so that template authors write {{.StatusLabel}}
	// instead of calling a function. Whatever the caller puts here is
	// overwritten.
	StatusLabel string
	TypeLabel   string
}

// Refused is one attachment that the attachment policy did not accept, with
// the reason, so that the customer can fix exactly that file.
type Refused struct {
	Filename string
	TooLarge bool // true: larger than the size limit; false: type not allowed
}

// Allows reports whether the extension ext (with or without the dot, any
// case) is among the allowed attachment types. Templates use it to offer a
// way around a refusal that the policy will accept, e.g. {{if .Allows "zip"}}.
func (d MailData) Allows(ext string) bool {
	ext = strings.TrimPrefix(ext, ".")
	for _, a := range d.Allowed {
		if strings.EqualFold(strings.TrimPrefix(a, "."), ext) {
			return true
		}
	}
	return false
}

// AnyTooLarge reports whether some refused file was larger than the limit,
// so that a template explains the limit only when it matters.
func (d MailData) AnyTooLarge() bool {
	for _, r := range d.Refused {
		if r.TooLarge {
			return true
		}
	}
	return false
}

// AnyNotAllowed reports whether some refused file had a type that is not
// allowed, so that a template lists the allowed types only when it matters.
func (d MailData) AnyNotAllowed() bool {
	for _, r := range d.Refused {
		if !r.TooLarge {
			return true
		}
	}
	return false
}

// Rendered is one notification in its two alternative bodies, for a
// multipart/alternative message: the plain text and the HTML.
type Rendered struct {
	Text string
	HTML string
}
