package mailout

import (
	"fmt"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// checkPath refuses an address that cannot be written safely as the
// argument of MAIL FROM or RCPT TO. The store keeps a local part that is
// not a dot-atom as an RFC 5321 quoted string; anything else with a space,
// an angle bracket or a control character would end the path early on the
// relay's side and turn the rest into ESMTP parameters (NOTIFY=, ORCPT=)
// or another recipient.
func checkPath(addr string) error {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return fmt.Errorf("address %q: not local@domain", addr)
	}
	local, domain := addr[:at], addr[at+1:]
	for _, r := range addr {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return fmt.Errorf("address %q: control character", addr)
		}
	}
	if strings.ContainsAny(domain, " \t<>\"\\,;:()@") {
		return fmt.Errorf("address %q: bad domain", addr)
	}
	if strings.HasPrefix(local, `"`) {
		if !quotedString(local) {
			return fmt.Errorf("address %q: bad quoted local part", addr)
		}
		return nil
	}
	if strings.ContainsAny(local, " \t<>\"\\,;:()[]@") {
		return fmt.Errorf("address %q: local part needs quoting", addr)
	}
	return nil
}

// quotedString reports whether s is exactly one RFC 5321 Quoted-string.
func quotedString(s string) bool {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		switch s[i] {
		case '\\':
			i++
			if i >= len(s)-1 {
				return false
			}
		case '"':
			return false
		}
	}
	return true
}

// safeMsgID reports a message ID that may be written into In-Reply-To or
// References: bracketed, with no space and no control character. mailin
// drops customers' IDs that are not; this is the last guard before the
// wire.
func safeMsgID(id string) bool {
	return len(id) >= 3 && id[0] == '<' && id[len(id)-1] == '>' && tickets.MessageIDSafe(id[1:len(id)-1])
}

func safeMsgIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if safeMsgID(id) {
			out = append(out, id)
		}
	}
	return out
}
