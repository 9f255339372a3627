package mailin

import (
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// Address is one support address the gateway answers for: mail to it
// becomes tickets of its department and type.
type Address struct {
	Email      string
	Name       string
	Department string
	Type       tickets.Type
}

// route is where a message goes: the support address it was sent to and,
// for plus-addresses such as suporte+SUP-1042@, the detail after the plus.
type route struct {
	Address
	Detail string
}

// splitPlus splits local+detail@domain into local@domain and detail.
func splitPlus(addr string) (base, detail string) {
	addr = tickets.NormalizeEmail(addr)
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr, ""
	}
	local, detail, _ = strings.Cut(local, "+")
	return local + "@" + domain, detail
}

// lookup finds the configured address for addr, plus-address forms included.
func (o *Options) lookup(addr string) (route, bool) {
	base, detail := splitPlus(addr)
	for _, a := range o.Addresses {
		if tickets.SameEmail(a.Email, base) {
			return route{Address: a, Detail: detail}, true
		}
	}
	return route{}, false
}

// isOurs tells whether addr is one of the support addresses.
func (o *Options) isOurs(addr string) bool {
	_, ok := o.lookup(addr)
	return ok
}

// routeFor picks the first configured address in To, then Cc, then among
// the envelope recipients; mail that names none of them (a Bcc, an alias)
// goes to the first configured address.
func (o *Options) routeFor(p *Parsed, rcpts ...string) route {
	for _, list := range [][]string{p.To, p.Cc, rcpts} {
		for _, a := range list {
			if r, ok := o.lookup(a); ok {
				return r
			}
		}
	}
	return route{Address: o.Addresses[0]}
}
