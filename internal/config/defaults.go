package config

import (
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// defaultTOML is the single source of the defaults. Keeping them in a TOML
// file rather than a Go literal means the defaults are written in the same
// language operators use, and the file doubles as an annotated sample.
//
//go:embed default.toml
var defaultTOML string

// DefaultTOML returns the annotated default configuration file, suitable
// as a starting point for an operator's own file.
func DefaultTOML() []byte {
	return []byte(defaultTOML)
}

// Default returns the embedded defaults: mail for support@localhost
// (department "Support", type "support"), data in ./ticketgw-data, SMTP on
// 127.0.0.1:2525, web on 127.0.0.1:8080, outgoing mail written to
// ./ticketgw-data/outbox, no IMAP mailbox. Each call returns a fresh value
// that the caller may modify.
func Default() *Config {
	c, err := decodeDefaults()
	if err != nil {
		// default.toml is compiled in and covered by tests; failing here
		// is a bug in this package, not a configuration problem.
		panic(fmt.Sprintf("config: embedded default.toml: %v", err))
	}
	return c
}

func decodeDefaults() (*Config, error) {
	c := new(Config)
	md, err := toml.Decode(defaultTOML, c)
	if err != nil {
		return nil, err
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("unknown key %q", u[0].String())
	}
	c.normalize()
	return c, nil
}

// Per-entry defaults of [[imap]]: the common case is a hosted mailbox on
// port 993 with a password, marked seen once committed.
const (
	defaultIMAPTLS          = TLSImplicit
	defaultIMAPAuth         = AuthPassword
	defaultIMAPMailbox      = "INBOX"
	defaultIMAPAfter        = AfterSeen
	defaultIMAPPollInterval = 60 * time.Second
	defaultIMAPIDLE         = true
)

// applyIMAPDefaults fills the keys that entry i of [[imap]] did not set;
// set holds the keys the file did set for that entry.
func applyIMAPDefaults(m *IMAP, i int, set map[string]any) {
	has := func(key string) bool {
		_, ok := set[key]
		return ok
	}
	if !has("tls") {
		m.TLS = defaultIMAPTLS
	}
	if !has("auth") {
		m.Auth = defaultIMAPAuth
	}
	if !has("mailbox") {
		m.Mailbox = defaultIMAPMailbox
	}
	if !has("after") {
		m.After = defaultIMAPAfter
	}
	if !has("poll_interval") {
		m.PollInterval = Duration{defaultIMAPPollInterval}
	}
	if !has("idle") {
		m.IDLE = defaultIMAPIDLE
	}
	if strings.TrimSpace(m.Name) == "" {
		m.Name = m.Username
		if m.Name == "" {
			m.Name = fmt.Sprintf("imap-%d", i)
		}
	}
}
