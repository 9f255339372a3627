package mailin

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// Who sent a message decides which ticket it may join and where the
// answer goes, so an address is taken only from where RFC 5322 puts it:
// the angle-addr of a name-addr, or a bare addr-spec. A display name, a
// comment or an encoded word may look like an address
// ("maria@example.com <attacker@evil.com>") but is never one.

// mailbox is one address of an address header, as the store keeps it.
type mailbox struct {
	addr string // canonical: see canonicalAddress
	name string // decoded display name
}

// parseMailboxes reads an address header: strictly (net/mail) when it
// can, else leniently, but the lenient reading only ever yields addresses
// the strict grammar would have found in the same place.
func parseMailboxes(v string) []mailbox {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	v = validUTF8(v)
	if list, err := (&mail.AddressParser{WordDecoder: wordDecoder()}).ParseList(v); err == nil {
		out := make([]mailbox, 0, len(list))
		for _, a := range list {
			if addr := canonicalAddress(a.Address); addr != "" {
				out = append(out, mailbox{addr: addr, name: decodeHeader(a.Name)})
			}
		}
		return out
	}
	return lenientMailboxes(v)
}

// maxLenientAddresses bounds what a malformed header can yield.
const maxLenientAddresses = 200

// lenientMailboxes reads a header net/mail refused (an unquoted "@" or
// CRLF in a display name, a stray bracket). The value is split at commas
// outside quoted strings, comments and angle brackets; in each element
// the angle-addr is the address, and an element without one counts only
// when it is nothing but an addr-spec. Quoted strings and comments never
// yield an address.
func lenientMailboxes(v string) []mailbox {
	var out []mailbox
	for _, el := range splitElements(v) {
		if len(out) >= maxLenientAddresses {
			break
		}
		if el.angle != "" {
			if addr := canonicalAddress(stripRoute(el.angle)); addr != "" && validAngle(el.angle) {
				out = append(out, mailbox{addr: addr, name: decodeHeader(strings.Trim(strings.TrimSpace(el.name), `"`))})
			}
			continue
		}
		if f := strings.TrimSpace(el.plain); addrSpecRE.MatchString(f) {
			out = append(out, mailbox{addr: canonicalAddress(f)})
		}
	}
	return out
}

// element is one comma-separated member of an address list.
type element struct {
	name  string // text before the angle-addr, quoted strings included
	plain string // the element without quoted strings and comments
	angle string // the content of the first <...>, "" when none
}

func splitElements(v string) []element {
	var out []element
	var el element
	var name, plain strings.Builder
	hasAngle := false
	flush := func() {
		el.name, el.plain = name.String(), plain.String()
		out = append(out, el)
		el, hasAngle = element{}, false
		name.Reset()
		plain.Reset()
	}
	for i := 0; i < len(v) && len(out) < maxLenientAddresses; i++ {
		switch c := v[i]; c {
		case '"':
			j := skipQuoted(v, i)
			if !hasAngle {
				name.WriteString(v[i:j])
			}
			plain.WriteByte(' ')
			i = j - 1
		case '(':
			i = skipComment(v, i) - 1
			plain.WriteByte(' ')
		case '<':
			end := strings.IndexByte(v[i+1:], '>')
			if end < 0 {
				i = len(v)
				continue
			}
			if !hasAngle {
				el.angle, hasAngle = strings.TrimSpace(v[i+1:i+1+end]), true
			}
			plain.WriteByte(' ')
			i += end + 1
		case ',':
			flush()
		default:
			if !hasAngle {
				name.WriteByte(c)
			}
			plain.WriteByte(c)
		}
	}
	flush()
	return out
}

// validAngle reports angle-addr content that is one addr-spec: a dot-atom
// or quoted local part, "@", a domain, and nothing else.
func validAngle(a string) bool {
	a = stripRoute(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 {
		return false
	}
	local, domain := a[:at], a[at+1:]
	if strings.ContainsAny(domain, " \t,;<>()\"") {
		return false
	}
	if strings.HasPrefix(local, `"`) {
		return skipQuoted(local, 0) == len(local)
	}
	return isDotAtom(local)
}

// skipQuoted returns the index after the quoted string that starts at i.
func skipQuoted(v string, i int) int {
	for j := i + 1; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(v)
}

// skipComment returns the index after the (nested) comment at i.
func skipComment(v string, i int) int {
	depth := 0
	for j := i; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(v)
}

// stripRoute drops an obsolete source route: "<@relay.example:a@b>".
func stripRoute(a string) string {
	if strings.HasPrefix(a, "@") {
		if i := strings.IndexByte(a, ':'); i >= 0 {
			return a[i+1:]
		}
	}
	return a
}

// addrSpecRE is a dot-atom addr-spec, the only bare address a lenient
// reading accepts.
var addrSpecRE = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$`)

// canonicalAddress is the form in which an address is stored and written
// back into SMTP: ASCII letters lower-cased (tickets.NormalizeEmail), and a
// local part that is not a dot-atom kept as an RFC 5321 quoted string, so
// that `"a> NOTIFY=x"@evil.example` stays one address in RCPT TO and never
// becomes ESMTP parameters. Addresses with control characters, or without
// a local part and domain, give "".
func canonicalAddress(a string) string {
	a = strings.TrimSpace(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return ""
	}
	if strings.ContainsFunc(a, isControl) {
		return ""
	}
	local, domain := a[:at], a[at+1:]
	if strings.ContainsAny(domain, " \t<>()[],;:\\\"@") && !isDomainLiteral(domain) {
		return ""
	}
	if !isDotAtom(local) {
		local = quoteLocal(local)
	}
	return tickets.NormalizeEmail(local + "@" + domain)
}

func isDomainLiteral(d string) bool {
	return len(d) > 2 && d[0] == '[' && d[len(d)-1] == ']' && !strings.ContainsAny(d[1:len(d)-1], " \t[]\\<>")
}

// isDotAtom reports a local part that needs no quotes. Non-ASCII letters
// are atext under RFC 6531 (SMTPUTF8).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 0x80, r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+/=?^_`{|}~-.", r):
		default:
			return false
		}
	}
	return true
}

// quoteLocal writes a local part as a quoted string (RFC 5321 4.1.2).
func quoteLocal(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isControl reports C0 and C1 control characters and DEL, which no
// address, Message-ID or header value we write may carry.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// sender picks who sent a message: the only From address, or, when From
// lists several (RFC 5322 3.6.2 then requires Sender), the Sender, else
// the first.
func sender(from, senderField []mailbox) mailbox {
	switch {
	case len(from) == 0:
		return mailbox{}
	case len(from) > 1 && len(senderField) > 0:
		return senderField[0]
	}
	return from[0]
}
