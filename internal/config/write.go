package config

import (
	"fmt"
	"io"

	"github.com/BurntSushi/toml"
)

const writeHeader = `# ticketgw effective configuration (defaults included).
# Non-empty passwords are shown as "` + Mask + `"; put the real ones back
# before using this output as a configuration file.

`

// WriteTOML writes the effective configuration as TOML, every key included,
// for `ticketgw config`: operators see what the gateway actually runs with,
// defaults and all. Non-empty passwords (imap[].password,
// outbound.password) are written as Mask so the output is safe to paste
// anywhere; empty ones stay "". Without passwords the output parses back
// (Parse) to a Config equal to c; with them, Validate rejects the mask
// rather than try it as a password.
func (c *Config) WriteTOML(w io.Writer) error {
	out := c.Clone()
	for i := range out.IMAP {
		out.IMAP[i].Password = mask(out.IMAP[i].Password)
	}
	out.Outbound.Password = mask(out.Outbound.Password)
	// Keep the output parseable to the same Config: an empty [[imap]] list
	// is omitted (not "imap = []"), and an empty allowed list is written
	// (a nil one would be omitted and the defaults would come back).
	if len(out.IMAP) == 0 {
		out.IMAP = nil
	}
	if out.SMTP.TrustedNetworks == nil {
		out.SMTP.TrustedNetworks = []string{}
	}
	if out.Attachments.Allowed == nil {
		out.Attachments.Allowed = []string{}
	}
	if _, err := io.WriteString(w, writeHeader); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	enc := toml.NewEncoder(w)
	enc.Indent = "" // flat, like DESIGN.md and default.toml
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

func mask(password string) string {
	if password == "" {
		return ""
	}
	return Mask
}
