// Package tickets holds the help desk's domain (tickets, their messages,
// attachments, status history, customers and the outbox of mail to send)
// and the Store that keeps it. It imports none of the mail or web packages:
// every mail source, the outbound worker and the web view reach the data
// through the Store surface defined here, so that the storage engine can
// change without touching them.
package tickets

import "time"

// Direction tells who wrote a message of a ticket, which decides who may see
// it (customers never see notes) and how status rules apply.
type Direction string

// The directions of a message.
const (
	DirIn   Direction = "in"   // from the customer, by email or the customer page
	DirOut  Direction = "out"  // from an analyst, emailed to the customer
	DirNote Direction = "note" // internal note, never emailed
)

// Ticket is one support request. Its JSON form is the DESIGN.md contract used
// by `tickets list -json` and the API.
type Ticket struct {
	Key        string    `json:"key"`
	Subject    string    `json:"subject"`
	Status     Status    `json:"status"`
	Type       Type      `json:"type"`
	Department string    `json:"department"`
	Requester  string    `json:"requester"`
	Assignee   string    `json:"assignee"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Address is the support address the ticket came in on: the From and
	// Reply-To of every notification about it.
	Address string `json:"address,omitempty"`
	// Participants are the addresses allowed to write into the ticket by
	// subject tag alone: the requester and everyone in To/Cc of its messages.
	Participants []string `json:"participants,omitempty"`
}

// TicketDetail is a ticket with its thread and history, as `tickets show
// -json` and the API print it.
type TicketDetail struct {
	Ticket
	Messages []Message `json:"messages"`
	Events   []Event   `json:"events"`
}

// Message is one entry of a ticket's thread.
type Message struct {
	ID        string    `json:"id"`
	Direction Direction `json:"direction"`
	From      string    `json:"from"`
	To        []string  `json:"to,omitempty"`
	Cc        []string  `json:"cc,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	MessageID string    `json:"message_id"`
	// Text is the new content only: quoted history and signatures removed.
	Text string `json:"text"`
	// FullText is the whole decoded text, kept so that nothing the sender
	// wrote is lost when the stripping guessed wrong.
	FullText    string       `json:"full_text,omitempty"`
	ReceivedAt  time.Time    `json:"received_at"`
	Attachments []Attachment `json:"attachments"`
	Rejected    []Rejected   `json:"rejected_attachments"`
	// InboundID points at the raw message this entry was made from.
	InboundID uint64 `json:"inbound_id,omitempty"`
}

// Attachment describes a stored file; its bytes are fetched with
// View.AttachmentData.
type Attachment struct {
	ID          string `json:"id,omitempty"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	ContentID   string `json:"content_id,omitempty"`
	// Data is the content on its way into the store; it is never part of
	// the JSON form.
	Data []byte `json:"-"`
}

// Rejected is an attachment the attachment policy refused, recorded so that
// the customer can be told which file and why.
type Rejected struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Reason      string `json:"reason"`
}

// Refusal reasons of attachments: the start of Rejected.Reason, which may
// go on with detail ("larger than the limit of 8 MiB").
const (
	RefusedType = "type not allowed"
	RefusedSize = "larger than the limit"
)

// Event is one change of a ticket: the status history customers see and the
// audit trail analysts see.
type Event struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind"`
	From  string    `json:"from"`
	To    string    `json:"to"`
}

// Event kinds.
const (
	EventCreated    = "created"
	EventStatus     = "status"
	EventAssignee   = "assignee"
	EventDepartment = "department"
	EventType       = "type"
)

// Analyst is a person who answers tickets in the web view. Only a hash of
// the password is kept; the hashing is the caller's (web) business.
type Analyst struct {
	Name         string    `json:"name"`
	PasswordHash []byte    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	// Disabled analysts cannot log in, and their sessions and API tokens
	// are refused, without losing the record (their name stays on the
	// tickets' history and can be enabled again).
	Disabled bool `json:"disabled,omitempty"`
	// CredVersion grows at every password change and at every disable:
	// a session records the version it was made under and is refused once
	// they differ, so that a stolen cookie dies with the old password.
	CredVersion uint64 `json:"cred_version,omitempty"`
}

// Customer is a registered sender, for `senders = "registered"`.
type Customer struct {
	Email   string    `json:"email"`
	Name    string    `json:"name,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// MailboxState is what the IMAP poller remembers of one mailbox between
// runs, and what monitoring reads of it.
type MailboxState struct {
	Name        string `json:"name"`
	UIDValidity uint32 `json:"uid_validity"`
	LastUID     uint32 `json:"last_uid"`
	// LastSuccess is when a poll last found the mailbox drained.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError is why the last session failed (connect, login, a
	// command the server left unanswered: "search: server stopped
	// answering: nothing for 45s in search; connection closed"), empty
	// once a poll succeeds again. Secrets are redacted from it, but it is detail:
	// show it to analysts, not to anonymous callers.
	LastError string `json:"last_error,omitempty"`
	// FailingSince is when the current run of failures began (the first
	// error after a success); zero while the mailbox works.
	FailingSince time.Time `json:"failing_since,omitzero"`
}

// Outcome is what became of one inbound email.
type Outcome string

// The outcomes of ingesting an email (the `deliver` JSON contract).
const (
	Created   Outcome = "created"
	Appended  Outcome = "appended"
	Duplicate Outcome = "duplicate"
	Ignored   Outcome = "ignored"
	Held      Outcome = "held"
	// Discarded is held mail an analyst threw away (its raw bytes stay).
	Discarded Outcome = "discarded"
)

// Inbound is the record kept for every email received, whatever became of
// it, beside its raw bytes: nothing that arrives is ever lost, and anything
// can be looked at or reprocessed later.
type Inbound struct {
	ID         uint64    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Source     string    `json:"source"`
	Recipient  string    `json:"recipient,omitempty"`
	MessageID  string    `json:"message_id,omitempty"`
	SHA256     string    `json:"sha256"`
	From       string    `json:"from,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Size       int       `json:"size"`
	Outcome    Outcome   `json:"outcome"`
	Reason     string    `json:"reason,omitempty"`
	Ticket     string    `json:"ticket,omitempty"`
	// Target is the ticket a held message asked to join, for an analyst
	// who accepts it.
	Target string `json:"target,omitempty"`
	// DecidedBy names the analyst who accepted or discarded held mail.
	DecidedBy string `json:"decided_by,omitempty"`
	// Problems are what went wrong decoding the message.
	Problems []string `json:"problems,omitempty"`
	// RawOf names the inbound record whose raw bytes are identical to this
	// one's, when the bytes were not stored twice (an exact redelivery).
	RawOf uint64 `json:"raw_of,omitempty"`
	// Text is the new content of a held message, so that an analyst can
	// judge it without opening the raw message.
	Text string `json:"text,omitempty"`
}

// Outbox entry kinds: which notification the outbound worker composes.
const (
	MailConfirmation  = "confirmation"
	MailReply         = "reply"
	MailStatus        = "status"
	MailRefused       = "attachments_refused"
	MailUnknownSender = "unknown_sender"
	// MailTicketLink and MailListLink carry a fresh deep link that the
	// customer asked for on the page of an expired or revoked one.
	MailTicketLink   = "ticket_link"
	MailListLink     = "list_link"
	OutboxPending    = "pending"
	OutboxSent       = "sent"
	OutboxFailed     = "failed"
	OutboxSuppressed = "suppressed"
)

// OutboxEntry is one email waiting to be sent. It is written in the same
// transaction as the change that causes it, with its Message-ID already
// chosen and indexed, so that a customer's reply to it threads even before
// it was sent, and a resend after a crash reuses the same Message-ID.
type OutboxEntry struct {
	ID         uint64     `json:"id"`
	Kind       string     `json:"kind"`
	Ticket     string     `json:"ticket,omitempty"`
	To         string     `json:"to"`
	From       string     `json:"from"`
	MessageID  string     `json:"message_id"`
	InReplyTo  string     `json:"in_reply_to,omitempty"`
	References []string   `json:"references,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	Text       string     `json:"text,omitempty"`
	Rejected   []Rejected `json:"rejected_attachments,omitempty"`
	// Attachments of an analyst's reply, sent with it; their bytes stay in
	// the store (View.AttachmentData).
	Attachments []Attachment `json:"attachments,omitempty"`
	Status      Status       `json:"status,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	State       string       `json:"state"`
	Attempts    int          `json:"attempts"`
	NextAttempt time.Time    `json:"next_attempt"`
	SentAt      time.Time    `json:"sent_at,omitzero"`
	// AttemptedAt is when the worker last began an attempt. It is written
	// (with Attempts counted and NextAttempt moved to the retry time)
	// before the message is handed to the transport, so that a store that
	// cannot write stops the send instead of letting it repeat unrecorded.
	AttemptedAt time.Time `json:"attempted_at,omitzero"`
	// Omitted names the attachments left out of the email because the
	// whole would exceed the outgoing size limit; the email says they are
	// on the ticket page.
	Omitted []string `json:"omitted_attachments,omitempty"`
	// RetriedAt is when an analyst last put a failed entry back in the
	// queue: the give-up delay counts from then, not from CreatedAt.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Automatic tells whether the entry is a message no person wrote, which
// carries Auto-Submitted and counts against the loop budget: everything but
// an analyst's reply.
func (e OutboxEntry) Automatic() bool { return e.Kind != MailReply }

// Since is when the entry's current run of attempts began: its creation,
// or the analyst's last retry.
func (e OutboxEntry) Since() time.Time {
	if e.RetriedAt.After(e.CreatedAt) {
		return e.RetriedAt
	}
	return e.CreatedAt
}
