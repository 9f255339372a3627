package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ticketgw/ticketgw/internal/connlimit"
)

// Error is one validation problem. Key names the offending key the way an
// operator finds it in the file, with a 0-based index for array entries
// ("address[1].type"), so that the message alone says what to fix.
type Error struct {
	Key string
	Msg string
}

// Error formats as "key: message", e.g.
// `address[1].type: "bugs" is not one of bug, support, improvement`.
func (e *Error) Error() string {
	return e.Key + ": " + e.Msg
}

// Limits that keep one message or attachment from exhausting memory or disk.
const (
	maxMessageBytesLimit = 1 << 30 // 1 GiB
	minPollInterval      = time.Second
	minSessionLifetime   = time.Minute
	maxConnectionsLimit  = 1 << 20
)

var prefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)

// Validate checks the whole configuration and returns every problem found,
// joined with errors.Join, each a *Error naming its key; nil when the
// configuration is usable. Reporting all problems at once saves the operator
// a fix-and-retry round per mistake. It checks that TLS certificate files
// exist, so its result depends on the filesystem.
func (c *Config) Validate() error {
	v := new(validator)
	v.top(c)
	v.addresses(c.Addresses)
	v.smtp(c.SMTP)
	v.imap(c.IMAP)
	v.outbound(c.Outbound)
	v.web(c.Web)
	v.trustedProxies(c.Web.TrustedProxies)
	if c.Web.TicketLinkAfterClose.Duration < time.Hour {
		v.add("web.ticket_link_after_close", "must be at least 1h")
	}
	if c.Web.ListLinkLifetime.Duration < time.Hour {
		v.add("web.list_link_lifetime", "must be at least 1h")
	}
	v.attachments(c.Attachments)
	v.memory(c.Memory)
	v.oneOf("log.level", c.Log.Level, LogDebug, LogInfo, LogWarn, LogError)
	v.oneOf("log.format", c.Log.Format, LogText, LogJSON)
	return errors.Join(v.errs...)
}

type validator struct {
	errs []error
}

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) oneOf(key, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.add(key, "%q is not one of %s", val, strings.Join(allowed, ", "))
}

func (v *validator) notEmpty(key, val string) {
	if strings.TrimSpace(val) == "" {
		v.add(key, "must not be empty")
	}
}

func (v *validator) top(c *Config) {
	v.notEmpty("data_dir", c.DataDir)
	v.baseURL(c.BaseURL)
	v.oneOf("language", c.Language, LanguagePTBR, LanguageEN)
	if !prefixRE.MatchString(c.TicketPrefix) {
		v.add("ticket_prefix", "%q must be 1 to 10 characters A-Z and 0-9, starting with a letter", c.TicketPrefix)
	}
	if c.FirstTicketNumber < 1 || c.FirstTicketNumber > math.MaxInt64 {
		// The upper bound is TOML's: integers are signed 64-bit, so a
		// larger value could not be written back. A negative number in the
		// file also lands here, wrapped around by the decoder.
		v.add("first_ticket_number", "must be from 1 to %d", int64(math.MaxInt64))
	}
	v.oneOf("senders", c.Senders, SendersAnyone, SendersRegistered)
	if _, err := c.Location(); err != nil {
		v.add("timezone", "%q is not a time zone such as America/Sao_Paulo or UTC", c.Timezone)
	}
}

func (v *validator) baseURL(s string) {
	const key = "base_url"
	if strings.TrimSpace(s) == "" {
		v.add(key, "must not be empty")
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.add(key, "%q is not a URL", s)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.add(key, "%q must be an absolute http:// or https:// URL", s)
	case u.RawQuery != "" || u.ForceQuery:
		v.add(key, "%q must not have a query: links are built by appending paths", s)
	case u.Fragment != "":
		v.add(key, "%q must not have a fragment", s)
	case u.User != nil:
		v.add(key, "%q must not contain credentials", s)
	}
}

func (v *validator) addresses(addrs []Address) {
	if len(addrs) == 0 {
		v.add("address", "at least one [[address]] is required")
		return
	}
	seen := make(map[string]int, len(addrs))
	for i, a := range addrs {
		p := fmt.Sprintf("address[%d].", i)
		if msg := checkEmail(a.Email); msg != "" {
			v.add(p+"email", "%s", msg)
		} else if j, dup := seen[strings.ToLower(a.Email)]; dup {
			v.add(p+"email", "%q duplicates address[%d]", a.Email, j)
		} else {
			seen[strings.ToLower(a.Email)] = i
		}
		if strings.ContainsFunc(a.Name, unicode.IsControl) {
			// The name goes into the From header of outgoing mail.
			v.add(p+"name", "%q must not contain line breaks or control characters", a.Name)
		}
		v.notEmpty(p+"department", a.Department)
		v.oneOf(p+"type", a.Type, TypeBug, TypeSupport, TypeImprovement)
	}
}

// checkEmail returns why s is not a bare single address, or "".
func checkEmail(s string) string {
	if s == "" {
		return "must not be empty"
	}
	a, err := mail.ParseAddress(s)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a valid email address (%v)", s, err)
	case a.Name != "":
		return fmt.Sprintf("%q must be a bare address without a display name (set name instead)", s)
	case a.Address != s:
		return fmt.Sprintf("%q must be a bare address like \"suporte@acme.com.br\"", s)
	}
	return ""
}

func (v *validator) smtp(s SMTP) {
	v.listen("smtp.listen", s.Listen)
	switch {
	case s.MaxMessageBytes <= 0:
		v.add("smtp.max_message_bytes", "must be greater than 0")
	case s.MaxMessageBytes > maxMessageBytesLimit:
		v.add("smtp.max_message_bytes", "%d is more than 1 GiB (%d)", s.MaxMessageBytes, maxMessageBytesLimit)
	}
	switch {
	case s.TLSCert != "" && s.TLSKey == "":
		v.add("smtp.tls_key", "must be set when smtp.tls_cert is set")
	case s.TLSCert == "" && s.TLSKey != "":
		v.add("smtp.tls_cert", "must be set when smtp.tls_key is set")
	case s.TLSCert != "":
		v.file("smtp.tls_cert", s.TLSCert)
		v.file("smtp.tls_key", s.TLSKey)
	}
	v.connections("smtp", s.MaxConnections, s.MaxConnectionsPerIP)
	for i, n := range s.TrustedNetworks {
		if _, err := connlimit.ParsePrefix(n); err != nil {
			v.add(fmt.Sprintf("smtp.trusted_networks[%d]", i), "%v", err)
		}
	}
	if s.SessionLifetime.Duration < minSessionLifetime {
		v.add("smtp.session_lifetime", "%q must be at least %s", s.SessionLifetime.Duration.String(), minSessionLifetime)
	}
}

func (v *validator) web(w Web) {
	v.listen("web.listen", w.Listen)
	v.connections("web", w.MaxConnections, w.MaxConnectionsPerIP)
}

// connections checks a listener's connection caps: both at least 1 and
// no more than maxConnectionsLimit, which no file-descriptor limit could
// back.
func (v *validator) connections(table string, total, perIP int) {
	if total < 1 || total > maxConnectionsLimit {
		v.add(table+".max_connections", "must be from 1 to %d", maxConnectionsLimit)
	}
	if perIP < 1 || perIP > maxConnectionsLimit {
		v.add(table+".max_connections_per_ip", "must be from 1 to %d", maxConnectionsLimit)
	}
}

func (v *validator) file(key, path string) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		v.add(key, "%v", err)
	case fi.IsDir():
		v.add(key, "%q is a directory, not a file", path)
	}
}

func (v *validator) imap(entries []IMAP) {
	names := make(map[string]int, len(entries))
	for i, m := range entries {
		p := fmt.Sprintf("imap[%d].", i)
		if strings.TrimSpace(m.Name) == "" {
			v.add(p+"name", "must not be empty")
		} else if j, dup := names[m.Name]; dup {
			v.add(p+"name", "%q duplicates imap[%d]", m.Name, j)
		} else {
			names[m.Name] = i
		}
		v.hostPort(p+"server", m.Server)
		v.oneOf(p+"tls", m.TLS, TLSImplicit, TLSStartTLS, TLSNone)
		v.notEmpty(p+"username", m.Username)
		v.oneOf(p+"auth", m.Auth, AuthPassword, AuthXOAUTH2)
		switch m.Auth {
		case AuthPassword:
			if m.Password == "" {
				v.add(p+"password", "must be set when auth is %q", AuthPassword)
			}
		case AuthXOAUTH2:
			v.notEmptyWhen(p+"token_command", m.TokenCommand, "auth is \"xoauth2\"")
		}
		v.notMask(p+"password", m.Password)
		v.notEmpty(p+"mailbox", m.Mailbox)
		switch folder, move := m.MoveFolder(); {
		case move && strings.TrimSpace(folder) == "":
			v.add(p+"after", "%q needs a folder name after %q", m.After, AfterMovePrefix)
		case !move && m.After != AfterSeen && m.After != AfterDelete:
			v.add(p+"after", "%q is not one of seen, delete, move:FOLDER", m.After)
		}
		if m.PollInterval.Duration < minPollInterval {
			v.add(p+"poll_interval", "%q must be at least %s", m.PollInterval.Duration.String(), minPollInterval)
		}
	}
}

func (v *validator) notEmptyWhen(key, val, cond string) {
	if strings.TrimSpace(val) == "" {
		v.add(key, "must be set when %s", cond)
	}
}

// notMask rejects the mask WriteTOML prints, which an operator may have
// copied from `ticketgw config` output: better a clear error here than a
// failed login that may lock the mail account.
func (v *validator) notMask(key, password string) {
	if password == Mask {
		v.add(key, "%q is the mask printed by \"ticketgw config\", not a password", Mask)
	}
}

func (v *validator) outbound(o Outbound) {
	v.oneOf("outbound.transport", o.Transport, TransportDir, TransportSMTP)
	if o.Transport == TransportDir {
		v.notEmptyWhen("outbound.dir", o.Dir, `outbound.transport is "dir"`)
	}
	if o.Transport == TransportSMTP || o.Relay != "" {
		v.hostPort("outbound.relay", o.Relay)
	}
	v.oneOf("outbound.tls", o.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	if o.Password != "" && o.Username == "" {
		// Authentication happens only with a username; a lone password
		// would be silently ignored.
		v.add("outbound.password", "is set but outbound.username is empty")
	}
	v.notMask("outbound.password", o.Password)
	if o.Timeout.Duration < time.Second {
		v.add("outbound.timeout", "must be at least 1s")
	}
	for _, d := range []struct {
		key string
		d   Duration
	}{{"outbound.greeting_timeout", o.GreetingTimeout}, {"outbound.command_timeout", o.CommandTimeout}, {"outbound.data_timeout", o.DataTimeout}} {
		if d.d.Duration < time.Second {
			v.add(d.key, "must be at least 1s")
		}
	}
	if o.Connections < 1 || o.Connections > 100 {
		v.add("outbound.connections", "must be between 1 and 100")
	}
	if o.MaxMessageBytes < 0 {
		v.add("outbound.max_message_bytes", "must be 0 (the relay's SIZE, else 25 MB) or more")
	}
	if o.LoopLimit < 1 {
		v.add("outbound.loop_limit", "must be at least 1")
	}
	if o.LoopLimitPerDomain < o.LoopLimit {
		v.add("outbound.loop_limit_per_domain", "must be at least outbound.loop_limit")
	}
	if o.LoopWindow.Duration < time.Minute {
		v.add("outbound.loop_window", "must be at least 1m")
	}
}

func (v *validator) memory(m Memory) {
	if m.BudgetBytes < minMemoryBudget {
		v.add("memory.budget_bytes", "must be at least %d (16 MiB)", minMemoryBudget)
	}
	if m.MaxInFlight < 1 {
		v.add("memory.max_in_flight", "must be at least 1")
	}
	if m.Wait.Duration < time.Second {
		v.add("memory.wait", "must be at least 1s")
	}
	if m.StoreMapBytes < 1<<20 {
		v.add("memory.store_map_bytes", "must be at least 1048576 (1 MiB)")
	}
}

// minMemoryBudget is the smallest memory.budget_bytes: below it a single
// ordinary message would wait for the whole budget.
const minMemoryBudget = 16 << 20

func (v *validator) attachments(a Attachments) {
	if a.MaxBytes <= 0 {
		v.add("attachments.max_bytes", "must be greater than 0")
	}
	for i, ext := range a.Allowed {
		key := fmt.Sprintf("attachments.allowed[%d]", i)
		switch {
		case ext == "":
			v.add(key, "must not be empty")
		case ext != strings.ToLower(ext) || strings.HasPrefix(ext, "."):
			v.add(key, "%q must be lower-case, without a leading dot", ext)
		case strings.ContainsAny(ext, `/\`) || strings.ContainsFunc(ext, unicode.IsSpace):
			v.add(key, "%q is not a file extension", ext)
		}
	}
}

// listen checks a listener address: "" (disabled) or host:port, where an
// empty host means all interfaces and port 0 an ephemeral port (tests).
func (v *validator) trustedProxies(list []string) {
	for i, s := range list {
		if _, err := connlimit.ParsePrefix(s); err != nil {
			v.add(fmt.Sprintf("web.trusted_proxies[%d]", i), "%v", err)
		}
	}
}

func (v *validator) listen(key, s string) {
	if s == "" {
		return
	}
	if msg := checkHostPort(s, true); msg != "" {
		v.add(key, "%s", msg)
	}
}

// hostPort checks a remote server address: host:port, both required.
func (v *validator) hostPort(key, s string) {
	if s == "" {
		v.add(key, "must be set as host:port")
		return
	}
	if msg := checkHostPort(s, false); msg != "" {
		v.add(key, "%s", msg)
	}
}

func checkHostPort(s string, listen bool) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not host:port", s)
	}
	minPort := 1
	if listen {
		minPort = 0
	}
	if n, err := strconv.Atoi(port); err != nil || n < minPort || n > 65535 {
		return fmt.Sprintf("%q: port must be a number from %d to 65535", s, minPort)
	}
	if !listen && host == "" {
		return fmt.Sprintf("%q has no host", s)
	}
	if strings.ContainsFunc(host, unicode.IsSpace) {
		return fmt.Sprintf("%q: host contains spaces", s)
	}
	return ""
}
