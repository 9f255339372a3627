// Package config holds the configuration of the ticketgw gateway: the TOML
// file format, the embedded defaults and their validation.
//
// The keys are a public contract (see DESIGN.md, "Config keys (TOML)"):
// operators' files and scripts depend on them, so they are only ever
// extended, never renamed. A file is an overlay on the embedded defaults
// (default.toml, also available through DefaultTOML): keys it sets override,
// keys it omits keep their default. A file that lists any [[address]]
// replaces the default address list entirely, because merging a customer's
// addresses with the placeholder support@localhost would route real mail to
// a department nobody reads.
//
// Load and Parse validate what they return, so the rest of the gateway can
// trust a *Config without re-checking it.
package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketgw/ticketgw/internal/connlimit"
	"github.com/ticketgw/ticketgw/tickets"
	"time"
)

// Config is the whole gateway configuration. The field tags are the TOML
// keys of the contract.
type Config struct {
	// DataDir holds the database, raw mail and, by default, the outbox.
	DataDir string `toml:"data_dir"`
	// BaseURL is where the web interface is reachable from the outside;
	// deep links in outgoing emails are built on it.
	BaseURL string `toml:"base_url"`
	// Language of emails and pages: LanguagePTBR or LanguageEN.
	Language string `toml:"language"`
	// TicketPrefix is the first half of ticket keys ("SUP" in SUP-1000).
	TicketPrefix string `toml:"ticket_prefix"`
	// FirstTicketNumber is the number of the first ticket in an empty store.
	FirstTicketNumber uint64 `toml:"first_ticket_number"`
	// Senders says who may open tickets: SendersAnyone or SendersRegistered.
	Senders string `toml:"senders"`
	// Timezone is the IANA zone the pages show times in
	// ("America/Sao_Paulo"); "" is the server's own.
	Timezone string `toml:"timezone"`
	// TemplatesDir holds operator overrides of the embedded email (and
	// page) templates, by the same relative path; "" uses the embedded ones.
	TemplatesDir string `toml:"templates_dir"`
	// Addresses are the help-desk addresses; the first is the default From
	// of outgoing mail.
	Addresses []Address `toml:"address"`
	// SMTP is the inbound SMTP/LMTP listener.
	SMTP SMTP `toml:"smtp"`
	// IMAP lists the mailboxes to poll; empty by default.
	IMAP []IMAP `toml:"imap"`
	// Outbound is how outgoing mail leaves the gateway.
	Outbound Outbound `toml:"outbound"`
	// Web is the analyst and customer web interface.
	Web Web `toml:"web"`
	// Attachments is the inbound attachment policy.
	Attachments Attachments `toml:"attachments"`
	// Memory bounds what large messages and uploads in flight may cost.
	Memory Memory `toml:"memory"`
	// Log is how serve and the commands write their log (stderr).
	Log Log `toml:"log"`
}

// Log configures the log: its level and format.
type Log struct {
	// Level is the least severe record written: LogDebug, LogInfo,
	// LogWarn or LogError.
	Level string `toml:"level"`
	// Format is LogText (key=value lines, for a terminal or journald) or
	// LogJSON (one object a line, for a log collector).
	Format string `toml:"format"`
}

// The values of log.level and log.format.
const (
	LogDebug = "debug"
	LogInfo  = "info"
	LogWarn  = "warn"
	LogError = "error"
	LogText  = "text"
	LogJSON  = "json"
)

// Address is one help-desk address. Mail to it opens tickets of Type in
// Department, and replies to those tickets are sent from it.
type Address struct {
	// Email is the bare address, lower-cased on load ("suporte@acme.com.br").
	Email string `toml:"email"`
	// Name is the display name on outgoing mail; may be empty.
	Name string `toml:"name"`
	// Department new tickets to this address are filed under.
	Department string `toml:"department"`
	// Type of new tickets: TypeBug, TypeSupport or TypeImprovement.
	Type string `toml:"type"`
}

// SMTP configures the inbound SMTP (or LMTP) listener, the push path for an
// MTA that forwards the help-desk addresses to the gateway.
type SMTP struct {
	// Listen is host:port; "" disables the listener.
	Listen string `toml:"listen"`
	// LMTP makes the listener speak LMTP (RFC 2033) instead of SMTP.
	LMTP bool `toml:"lmtp"`
	// MaxMessageBytes caps one message; larger ones are refused at DATA.
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	// TLSCert and TLSKey are PEM files; when both are set STARTTLS is offered.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// MaxConnections bounds the connections held at once, trusted ones
	// included; a tenth of it is kept for TrustedNetworks, so that a flood
	// of strangers cannot lock the local MTA out.
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerIP bounds the connections of one client address
	// (an IPv6 /64) outside TrustedNetworks. A Postfix relay opens up to
	// 20 parallel deliveries by default.
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// TrustedNetworks (CIDR) skip the per-IP cap but not MaxConnections:
	// the local MTA delivers everybody's mail from one address.
	TrustedNetworks []string `toml:"trusted_networks"`
	// SessionLifetime bounds one connection: no new command is read after
	// it (a message under way finishes), so no client holds a slot for ever.
	SessionLifetime Duration `toml:"session_lifetime"`
}

// IMAP configures one polled mailbox, the pull path for hosted mail where
// no MTA can be pointed at the gateway.
type IMAP struct {
	// Name identifies the poller in logs; defaults to Username, or
	// "imap-N" (N the 0-based index, as in error messages) without one.
	Name string `toml:"name"`
	// Server is host:port.
	Server string `toml:"server"`
	// TLS is TLSImplicit (default), TLSStartTLS or TLSNone.
	TLS string `toml:"tls"`
	// Username to log in with.
	Username string `toml:"username"`
	// Auth is AuthPassword (default) or AuthXOAUTH2.
	Auth string `toml:"auth"`
	// Password for AuthPassword.
	Password string `toml:"password"`
	// TokenCommand, for AuthXOAUTH2, is run through the shell and prints an
	// access token on stdout.
	TokenCommand string `toml:"token_command"`
	// Mailbox to poll; default "INBOX".
	Mailbox string `toml:"mailbox"`
	// After says what to do with a message once it is committed:
	// AfterSeen (default), AfterDelete, or "move:FOLDER" (see MoveFolder).
	After string `toml:"after"`
	// PollInterval between polls; default 60s.
	PollInterval Duration `toml:"poll_interval"`
	// IDLE uses IMAP IDLE to learn about new mail between polls; default true.
	IDLE bool `toml:"idle"`
}

// Outbound configures how outgoing mail leaves: written as .eml files to a
// directory (the default, safe for trying the gateway out) or sent to an
// SMTP relay.
type Outbound struct {
	// Transport is TransportDir or TransportSMTP.
	Transport string `toml:"transport"`
	// Dir receives the .eml files of TransportDir.
	Dir string `toml:"dir"`
	// Relay is the host:port of the TransportSMTP relay.
	Relay string `toml:"relay"`
	// TLS to the relay: TLSStartTLS (default), TLSImplicit or TLSNone.
	TLS string `toml:"tls"`
	// Username and Password authenticate to the relay when Username is set.
	Username string `toml:"username"`
	Password string `toml:"password"`
	// Timeout bounds a relay's connect, the DATA command, the writing of
	// each 32 KiB of a message and QUIT; it is also how long a stop waits
	// for the sends in hand.
	Timeout Duration `toml:"timeout"`
	// GreetingTimeout bounds each of the greeting, EHLO and STARTTLS;
	// CommandTimeout each of AUTH, MAIL and RCPT; DataTimeout the reply to
	// the end of a message (RFC 5321 4.5.3.2: 5m, 5m, 10m).
	GreetingTimeout Duration `toml:"greeting_timeout"`
	CommandTimeout  Duration `toml:"command_timeout"`
	DataTimeout     Duration `toml:"data_timeout"`
	// Connections is how many messages are sent at once.
	Connections int `toml:"connections"`
	// MaxMessageBytes caps an outgoing message; 0 means the relay's SIZE,
	// else 25 MB. Larger replies go without their largest attachments.
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	// LoopLimit automatic messages at most go to one address per
	// LoopWindow (plus-addresses folded), and LoopLimitPerDomain to the
	// addresses of one domain; the rest are recorded as suppressed, so that
	// two auto-responders can never ping-pong through the gateway.
	LoopLimit          int      `toml:"loop_limit"`
	LoopLimitPerDomain int      `toml:"loop_limit_per_domain"`
	LoopWindow         Duration `toml:"loop_window"`
}

// Web configures the HTTP interface for analysts and customers.
type Web struct {
	// Listen is host:port; "" disables the web interface.
	Listen string `toml:"listen"`
	// MaxConnections bounds the connections held at once; a tenth of it
	// is kept for loopback (a reverse proxy on the same machine).
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerIP bounds the connections of one client address
	// (an IPv6 /64); loopback and TrustedProxies are exempt.
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// TrustedProxies lists the reverse proxies (CIDRs such as
	// "10.0.0.0/8", or single addresses) whose X-Forwarded-For header is
	// believed for the client's address (login limits, logs). Empty, the
	// default: the TCP peer is the client and the header is ignored, since
	// anyone could set it.
	TrustedProxies []string `toml:"trusted_proxies"`
	// TicketLinkAfterClose is how long a ticket's deep link keeps working
	// after the ticket closed (it always works while the ticket is not
	// closed); ListLinkLifetime how long a /me link works after it was
	// sent.
	TicketLinkAfterClose Duration `toml:"ticket_link_after_close"`
	ListLinkLifetime     Duration `toml:"list_link_lifetime"`
}

// Proxies parses TrustedProxies (validated already) into prefixes; a
// single address is its own /32 or /128.
func (w Web) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range w.TrustedProxies {
		p, err := connlimit.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Attachments is the inbound attachment policy; attachments outside it are
// recorded as rejected on the message instead of stored.
type Attachments struct {
	// MaxBytes caps one decoded attachment.
	MaxBytes int64 `toml:"max_bytes"`
	// Allowed lists file extensions, lower-case and without the dot
	// ("pdf"). Empty means no attachment is kept.
	Allowed []string `toml:"allowed"`
}

// Memory is the budget that ingests (SMTP, LMTP, hand-off, IMAP) and web
// uploads in flight share, so that a burst of large mail cannot take the
// process to gigabytes: each waits for its cost (a multiple of its size)
// before it is parsed and stored.
type Memory struct {
	// BudgetBytes is the memory the ingests and uploads in flight may
	// cost together.
	BudgetBytes int64 `toml:"budget_bytes"`
	// MaxInFlight caps the ingests and uploads in flight, whatever
	// their size.
	MaxInFlight int `toml:"max_in_flight"`
	// Wait is the longest wait for the budget: past it SMTP answers 451
	// 4.3.1 and a page 503, and the sender tries again later.
	Wait Duration `toml:"wait"`
	// StoreMapBytes is the address space the store file is mapped with
	// at start. Each time the file outgrows its map bbolt maps it again,
	// copying to the heap every value of the commit in hand first: a large
	// map makes that rare. It is address space, not memory; lower it only
	// where address space is capped (ulimit -v, LimitAS=).
	StoreMapBytes int64 `toml:"store_map_bytes"`
}

// Values of the enumerated keys, so that code switching on them does not
// repeat string literals.
const (
	LanguagePTBR = "pt-BR"
	LanguageEN   = "en"

	SendersAnyone     = "anyone"
	SendersRegistered = "registered"

	TypeBug         = "bug"
	TypeSupport     = "support"
	TypeImprovement = "improvement"

	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"

	AuthPassword = "password"
	AuthXOAUTH2  = "xoauth2"

	AfterSeen   = "seen"
	AfterDelete = "delete"
	// AfterMovePrefix starts an after value "move:FOLDER".
	AfterMovePrefix = "move:"

	TransportDir  = "dir"
	TransportSMTP = "smtp"
)

// Mask replaces non-empty passwords in WriteTOML output, so that printing
// the effective configuration never leaks a secret into a terminal or a
// support ticket.
const Mask = "********"

// DefaultAddress returns the first configured address, the default From of
// outgoing mail. It is the zero Address only for a Config that would not
// validate.
func (c *Config) DefaultAddress() Address {
	if len(c.Addresses) == 0 {
		return Address{}
	}
	return c.Addresses[0]
}

// AddressFor returns the configured Address that email was sent to, so that
// mail can be routed to its department and type. The match is
// case-insensitive and also accepts plus-addressed forms: mail to
// "Suporte+Urgent@ACME.com.br" matches "suporte@acme.com.br". An exact match
// wins over a plus-stripped one. email may be wrapped in angle brackets, as
// it is in SMTP envelopes.
func (c *Config) AddressFor(email string) (Address, bool) {
	e := canonicalEmail(email)
	if e == "" {
		return Address{}, false
	}
	if a, ok := c.findAddress(e); ok {
		return a, true
	}
	if s := stripPlus(e); s != e {
		return c.findAddress(s)
	}
	return Address{}, false
}

// IsOurs reports whether email is one of the help-desk addresses (or a
// plus-addressed form of one). Mail from our own addresses must never be
// answered, or two gateways, or one gateway and itself, would loop.
func (c *Config) IsOurs(email string) bool {
	_, ok := c.AddressFor(email)
	return ok
}

func (c *Config) findAddress(e string) (Address, bool) {
	for _, a := range c.Addresses {
		if tickets.SameEmail(a.Email, e) {
			return a, true
		}
	}
	return Address{}, false
}

// canonicalEmail trims spaces and one pair of angle brackets and lower-cases.
func canonicalEmail(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return tickets.NormalizeEmail(s)
}

// stripPlus turns local+tag@domain into local@domain; other forms are
// returned unchanged.
func stripPlus(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return e
	}
	if plus := strings.IndexByte(e[:at], '+'); plus > 0 {
		return e[:plus] + e[at:]
	}
	return e
}

// MoveFolder returns FOLDER when After is "move:FOLDER", so the poller does
// not parse the value itself.
func (m IMAP) MoveFolder() (string, bool) {
	folder, ok := strings.CutPrefix(m.After, AfterMovePrefix)
	return folder, ok
}

// Clone returns a deep copy, so that callers may adjust a configuration
// (tests, masking) without changing one shared with running components.
func (c *Config) Clone() *Config {
	d := *c
	d.Addresses = slices.Clone(c.Addresses)
	d.IMAP = slices.Clone(c.IMAP)
	d.SMTP.TrustedNetworks = slices.Clone(c.SMTP.TrustedNetworks)
	d.Attachments.Allowed = slices.Clone(c.Attachments.Allowed)
	d.Web.TrustedProxies = slices.Clone(c.Web.TrustedProxies)
	return &d
}

// Duration is a time.Duration written in TOML as a string such as "60s" or
// "5m", which is clearer to operators than a count of nanoseconds; whole
// days may be written "30d".
type Duration struct {
	time.Duration
}

// UnmarshalText parses a Go duration string ("90s", "1m30s") or a whole
// number of days ("30d").
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// ParseDuration reads a duration as the configuration writes them: a Go
// duration ("90s", "1m30s") or a whole number of days ("30d"), for the
// keys and for command flags alike.
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil || days == "" || days[0] == '+' {
			return 0, fmt.Errorf("invalid duration %q: want a whole number of days, like \"30d\"", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want a number with a unit, like \"60s\" or \"30d\"", s)
	}
	return v, nil
}

// MarshalText writes the duration in its shortest form ("1m", not
// "1m0s"; "30d" for whole days), which UnmarshalText reads back to the
// same value.
func (d Duration) MarshalText() ([]byte, error) {
	if day := 24 * time.Hour; d.Duration > 0 && d.Duration%day == 0 {
		return []byte(strconv.FormatInt(int64(d.Duration/day), 10) + "d"), nil
	}
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return []byte(s), nil
}

// Location is the zone of Timezone: the server's own when it is "".
func (c *Config) Location() (*time.Location, error) {
	if strings.TrimSpace(c.Timezone) == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(strings.TrimSpace(c.Timezone))
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	return loc, nil
}
