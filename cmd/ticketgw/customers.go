package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

// customers manages the registered senders used with senders = "registered",
// and revokes an address's deep links.
func (e *env) customers(ctx context.Context, args []string) int {
	const use = "usage: ticketgw customers add EMAIL [NAME] | remove EMAIL | list | revoke-links EMAIL  [-config FILE]"
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, use)
		return exitUsage
	}
	fs, cfgPath := newFlags("customers "+args[0], e.stderr)
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return exitUsage
	}
	sub := args[0]
	switch {
	case sub == "add" && len(rest) >= 1:
	case sub == "remove" && len(rest) == 1:
	case sub == "revoke-links" && len(rest) == 1:
	case sub == "list" && len(rest) == 0:
	default:
		fmt.Fprintln(e.stderr, use)
		return exitUsage
	}
	var email string
	if sub != "list" {
		a, err := mail.ParseAddress(rest[0])
		if err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: %q is not an email address: %v\n", rest[0], err)
			return exitUsage
		}
		email = strings.ToLower(a.Address)
	}
	_, st, code := e.openWith(*cfgPath, modeFor(sub == "list"))
	if st == nil {
		return code
	}
	defer st.Close()
	switch sub {
	case "add":
		name := strings.Join(rest[1:], " ")
		err = st.Update(ctx, func(tx tickets.Tx) error { return tx.AddCustomer(tickets.Customer{Email: email, Name: name}) })
		if err == nil {
			fmt.Fprintf(e.stdout, "customer %s added\n", email)
		}
	case "remove":
		err = st.Update(ctx, func(tx tickets.Tx) error { return tx.RemoveCustomer(email) })
		if errors.Is(err, tickets.ErrNotFound) {
			fmt.Fprintf(e.stderr, "ticketgw: no customer %s\n", email)
			return 1
		}
		if err == nil {
			fmt.Fprintf(e.stdout, "customer %s removed\n", email)
		}
	case "revoke-links":
		// Every link emailed to the address so far (its tickets' and its
		// list's) stops working; the customer asks for a fresh one on the
		// page a dead link shows. The address need not be registered.
		var version uint32
		err = st.Update(ctx, func(tx tickets.Tx) error {
			var err error
			version, err = tx.RevokeLinks(email)
			return err
		})
		if err == nil {
			fmt.Fprintf(e.stdout, "links of %s revoked (link version %d)\n", email, version)
		}
	case "list":
		var list []tickets.Customer
		err = st.View(ctx, func(v tickets.View) error {
			list, err = v.Customers()
			return err
		})
		if err == nil {
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "EMAIL\tNAME\tADDED")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\n", c.Email, c.Name, c.AddedAt.Local().Format(time.DateOnly))
			}
			_ = w.Flush()
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: customers %s: %v\n", sub, err)
		return exitSoftware
	}
	return exitOK
}
