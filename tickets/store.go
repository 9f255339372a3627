package tickets

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a ticket, message or record does not exist.
var ErrNotFound = errors.New("not found")

// ErrLocked is returned by Open when another process holds the database, so
// that commands can say so at once instead of hanging.
var ErrLocked = errors.New("database is in use by another ticketgw process")

// ErrNeedsRequester is returned when a ticket is to be opened from mail
// that names no sender (unparseable, no From) and no one said whose it is.
var ErrNeedsRequester = errors.New("the message names no sender: give the requester's address")

// ErrBadAddress is returned for input that is not an email address.
var ErrBadAddress = errors.New("not an email address")

// Store is the whole persistent state of the gateway. It is deliberately
// small: every change happens inside Update, so that one email (its dedupe
// index, ticket, message, attachments, raw bytes, events and outbox entries)
// commits or fails as a unit, whatever the engine behind it.
type Store interface {
	// Update runs fn in one read-write transaction, committed when fn
	// returns nil and rolled back otherwise. fn may be run more than once
	// when commits are grouped, so it must only change the state through
	// the Tx and results it sets outside must be overwritten on each run.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(View) error) error
	// Enqueued is signalled after a commit that added outbox entries, so
	// that the outbound worker sends them at once instead of on a timer.
	Enqueued() <-chan struct{}
	// Search answers the queue and the customer's list: one page of the
	// tickets matching q, newest update first, with the number of matches
	// and the counts per status. It lives on the Store, not on a View,
	// because an engine answers it from its own indexes.
	Search(ctx context.Context, q Query) (Page, error)
	// Close releases the database.
	Close() error
}

// View reads the store.
type View interface {
	// Ticket returns the ticket with this key (any case) or ErrNotFound.
	Ticket(key string) (Ticket, error)
	// Detail returns the ticket with its messages and events.
	Detail(key string) (TicketDetail, error)
	// Tickets lists tickets matching f, newest update first.
	Tickets(f Filter) ([]Ticket, error)
	// TicketByMessageID names the ticket that a Message-ID (inbound or
	// outbound, with or without angle brackets) belongs to. An ID that
	// two tickets hold (one reused it) names none.
	TicketByMessageID(messageID string) (key string, ok bool, err error)
	// Seen returns the inbound record first stored under a dedupe key.
	Seen(dedupeKey string) (Inbound, bool, error)
	// Inbound returns the record of one received email.
	Inbound(id uint64) (Inbound, error)
	// InboundList lists received emails with the given outcome ("" for
	// all), newest first.
	InboundList(outcome Outcome) ([]Inbound, error)
	// InboundLatest lists at most limit received emails with the given
	// outcome, newest first: for pages over outcomes that only grow.
	InboundLatest(outcome Outcome, limit int) ([]Inbound, error)
	// Raw returns the raw bytes of a received email exactly as they came.
	Raw(id uint64) ([]byte, error)
	// AttachmentData returns the content of a stored attachment.
	AttachmentData(id string) ([]byte, error)
	// Customer looks up a registered customer by address (any case).
	Customer(email string) (Customer, bool, error)
	// Customers lists registered customers by address.
	Customers() ([]Customer, error)
	// Outbox lists outbox entries in a state ("" for all), oldest first.
	Outbox(state string) ([]OutboxEntry, error)
	// OutboxCounts counts pending and failed entries without decoding
	// them, so that /healthz stays fast with a large backlog.
	OutboxCounts() (OutboxCounts, error)
	// OutboxDue returns up to limit pending entries whose next attempt is
	// not after now, earliest first, and when the next of the others is
	// due (zero when none is pending).
	OutboxDue(now time.Time, limit int) (due []OutboxEntry, next time.Time, err error)
	// SentTo counts automatic messages sent to an address since a time:
	// the loop budget. Plus-addresses fold ("maria+x@d" counts as
	// "maria@d"), so that variants of one mailbox share one budget.
	SentTo(addr string, since time.Time) (int, error)
	// SentToDomain counts automatic messages sent to any address of a
	// domain since a time: the second, larger loop budget, which rotating
	// local parts cannot escape.
	SentToDomain(domain string, since time.Time) (int, error)
	// Secret is the random key made at first start that signs deep links.
	Secret() ([]byte, error)
	// Mailbox returns the poller's state of an IMAP mailbox (zero when
	// never polled).
	Mailbox(name string) (MailboxState, error)
	// Mailboxes lists the states of every polled mailbox.
	Mailboxes() ([]MailboxState, error)
	// Analyst looks up an analyst by name.
	Analyst(name string) (Analyst, bool, error)
	// Analysts lists the analysts by name.
	Analysts() ([]Analyst, error)
	// TokenAnalyst names the analyst an API token (given as its SHA-256)
	// belongs to, whatever its expiry: APIToken tells whether it works.
	TokenAnalyst(tokenHash []byte) (string, bool, error)
	// APIToken looks up an API token by its SHA-256.
	APIToken(tokenHash []byte) (APIToken, bool, error)
	// APITokens lists the API tokens of an analyst ("" for everyone's),
	// oldest first; legacy ones (made before tokens had names) first.
	APITokens(analyst string) ([]APIToken, error)
	// Session looks up a web login by the SHA-256 of its session id.
	Session(idHash []byte) (Session, bool, error)
	// Announcements lists every announcement, newest first, retired ones
	// included (Announcement.Current tells them apart).
	Announcements() ([]Announcement, error)
	// LinkKeys are the secrets that sign and check deep links: the
	// current one and, during a rotation's grace, the previous one.
	LinkKeys() (LinkKeys, error)
	// LinkVersion is the version of an address's deep links (0 until they
	// are first revoked); links made under another version are dead.
	LinkVersion(email string) (uint32, error)
	// ClosedAt is when a closed ticket was last closed, from its status
	// history: where the lifetime of its links after closing starts.
	ClosedAt(key string) (time.Time, error)
}

// Tx changes the store within one transaction.
type Tx interface {
	View
	// ReserveInboundID allocates the ID of an inbound record before it is
	// written, so that a message can point at it and the record be
	// written once.
	ReserveInboundID() (uint64, error)
	// RecordInbound stores the record and raw bytes of a received email,
	// assigning in.ID. A non-empty dedupeKey is indexed so that a
	// redelivery is recognised; when in.RawOf is set the raw bytes are not
	// stored again, nor when raw is nil (rewriting a record). in.ID is
	// allocated unless reserved already.
	RecordInbound(in *Inbound, raw []byte, dedupeKey string) error
	// CreateTicket stores a new ticket with its first message, assigning
	// t.Key, the message and attachment IDs, and the creation event.
	CreateTicket(t *Ticket, first *Message) error
	// AppendMessage adds a message to a ticket: a customer's message moves
	// a waiting, resolved or closed ticket back to open, and its To/Cc
	// join the participants.
	AppendMessage(key string, m *Message) (Ticket, error)
	// SetStatus changes a ticket's status, recording who did it in the
	// status history, and enqueues the email that tells the requester;
	// setting the status it already has changes nothing.
	SetStatus(key, actor string, s Status) (Ticket, error)
	// Reply adds an analyst's reply to a ticket and enqueues it, with its
	// attachments, as an email to the requester threaded under the
	// ticket's messages.
	Reply(key, actor, text string, atts []Attachment) (Message, error)
	// Note adds an internal note to a ticket: analysts see it, customers
	// never do, and it is never emailed.
	Note(key, actor, text string) (Message, error)
	// SetAssignee, SetDepartment and SetType change a ticket, each change
	// an event of its history; setting the value it has changes nothing.
	SetAssignee(key, actor, assignee string) (Ticket, error)
	SetDepartment(key, actor, department string) (Ticket, error)
	SetType(key, actor string, typ Type) (Ticket, error)
	// Enqueue adds an email to the outbox, assigning e.ID, and indexes its
	// Message-ID under its ticket so that replies to it thread.
	Enqueue(e *OutboxEntry) error
	// UpdateOutbox stores the new state of an outbox entry after an
	// attempt (sent, retry later, failed, suppressed).
	UpdateOutbox(e *OutboxEntry) error
	// SetMailbox records the poller's state of an IMAP mailbox.
	SetMailbox(st MailboxState) error
	// PutAnalyst adds an analyst or changes their password. A changed
	// password raises the analyst's CredVersion, which ends every session
	// made before; whether the analyst is disabled is kept.
	PutAnalyst(a Analyst) error
	// SetAnalystDisabled disables an analyst (no login; sessions end and
	// API tokens are refused until enabled again) or enables them again
	// (their old sessions stay ended); ErrNotFound if absent.
	SetAnalystDisabled(name string, disabled bool) (Analyst, error)
	// RemoveAnalyst ends an analyst's sessions, revokes their API tokens
	// and removes the record, saying how many sessions and tokens went;
	// ErrNotFound if absent. Tickets keep the name in their history.
	RemoveAnalyst(name string) (sessions, tokens int, err error)
	// AddToken records an API token of an analyst by its SHA-256, with no
	// label, no expiry and full rights (AddAPIToken says more).
	AddToken(name string, tokenHash []byte) error
	// AddAPIToken records an API token by its SHA-256, assigning its ID
	// (and CreatedAt when zero); ErrNotFound when the analyst is absent.
	AddAPIToken(tokenHash []byte, t APIToken) (APIToken, error)
	// RevokeToken deletes the API token with this ID (APIToken.ID) and
	// returns what it was; ErrNotFound if there is none.
	RevokeToken(id string) (APIToken, error)
	// TouchToken records when an API token was last used; a token that
	// does not exist (revoked meanwhile) is not an error.
	TouchToken(tokenHash []byte, at time.Time) error
	// AddCustomer registers (or renames) a customer.
	AddCustomer(c Customer) error
	// RemoveCustomer unregisters a customer; ErrNotFound if absent.
	RemoveCustomer(email string) error
	// PutSession records (or refreshes) a web login under the SHA-256 of
	// its session id.
	PutSession(idHash []byte, s Session) error
	// DeleteSession ends a web login; ending one that does not exist is
	// not an error (a double logout).
	DeleteSession(idHash []byte) error
	// PurgeSessions deletes the logins last used before idleBefore or made
	// before createdBefore, and says how many.
	PurgeSessions(idleBefore, createdBefore time.Time) (int, error)
	// PostAnnouncement stores a new announcement for customers' pages,
	// assigning a.ID.
	PostAnnouncement(a *Announcement) error
	// RetireAnnouncement stops showing an announcement (it is kept).
	RetireAnnouncement(id uint64, actor string) error
	// RetryOutbox puts a failed outbox entry back to pending, due now, with
	// its attempts reset: an operator fixed the cause. ErrNotFailed for an
	// entry in any other state.
	RetryOutbox(id uint64) (OutboxEntry, error)
	// CustomerReply adds a message from the ticket's requester written on
	// the ticket's page: like an emailed reply it may reopen the ticket,
	// but it is not an email, so nothing is sent back.
	CustomerReply(key, text string, atts []Attachment) (Message, error)
	// RevokeLinks raises an address's link version, so that every deep
	// link made for it (its tickets' and its list's) stops working, and
	// returns the new version.
	RevokeLinks(email string) (uint32, error)
	// RotateSecret replaces the secret that signs deep links (and CSRF
	// tokens) by a new random one; links signed with the old one keep
	// working for grace (none when grace is 0). A previous secret still
	// in its grace is dropped.
	RotateSecret(grace time.Duration) (LinkKeys, error)
	// RequestTicketLink enqueues a fresh link to ticket key for email,
	// only if email is the ticket's requester or a participant; it says
	// whether it did. The caller answers the same either way.
	RequestTicketLink(key, email string) (bool, error)
	// RequestListLink enqueues a fresh link to email's list of tickets,
	// only if email is the requester of ticket (one of theirs, found by
	// the caller's Search; "" when there is none); it says whether it did.
	RequestListLink(email, ticket string) (bool, error)
}

// Query selects a page of tickets: the Filter's fields, words that must all
// appear in the subject or the text of a message (any case, accents
// ignored), and the page.
type Query struct {
	Filter
	// Text holds the words searched for; "" matches every ticket.
	Text string
	// Offset skips that many matches; Limit bounds the page (Filter.Limit
	// is ignored here; 0 means 50).
	Offset int
	Limit  int
}

// Page is one page of a Query's answer.
type Page struct {
	Tickets []Ticket
	// Total is the number of tickets matching the whole query.
	Total int
	// Counts are the tickets per status matching the query without its
	// status filter: the numbers beside the queue's status tabs.
	Counts map[Status]int
}

// Filter selects tickets for listings; empty fields match everything.
type Filter struct {
	Status     Status
	Type       Type
	Department string
	Assignee   string
	Requester  string
	Limit      int
}
