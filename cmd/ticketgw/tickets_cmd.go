package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ticketgw/ticketgw/tickets"
)

func (e *env) tickets(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, "usage: ticketgw tickets list|show [flags]\n")
		return exitUsage
	}
	switch args[0] {
	case "list":
		return e.ticketsList(ctx, args[1:])
	case "show":
		return e.ticketsShow(ctx, args[1:])
	}
	fmt.Fprintf(e.stderr, "ticketgw tickets: unknown subcommand %q (list, show)\n", args[0])
	return exitUsage
}

func (e *env) ticketsList(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("tickets list", e.stderr)
	asJSON := fs.Bool("json", false, "print a JSON array")
	status := fs.String("status", "", "only tickets in this `status`")
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw tickets list [-config FILE] [-json] [-status S]"); !ok {
		return exitUsage
	}
	var f tickets.Filter
	if *status != "" {
		s, err := tickets.ParseStatus(*status)
		if err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: -status: %v\n", err)
			return exitUsage
		}
		f.Status = s
	}
	_, st, code := e.openWith(*cfgPath, storeRead)
	if st == nil {
		return code
	}
	defer st.Close()
	var list []tickets.Ticket
	err := st.View(ctx, func(v tickets.View) error {
		var err error
		list, err = v.Tickets(f)
		return err
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: list tickets: %v\n", err)
		return exitSoftware
	}
	if *asJSON {
		if list == nil {
			list = []tickets.Ticket{}
		}
		e.printJSON(list)
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tSTATUS\tTYPE\tDEPARTMENT\tREQUESTER\tUPDATED\tSUBJECT")
	for _, t := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Key, t.Status, t.Type, t.Department, t.Requester,
			t.UpdatedAt.Local().Format(time.DateTime), oneLine(t.Subject, 60))
	}
	_ = w.Flush()
	return exitOK
}

func (e *env) ticketsShow(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("tickets show", e.stderr)
	asJSON := fs.Bool("json", false, "print the ticket as JSON")
	rest, ok := e.parseCommand(fs, args, 1, 1, "ticketgw tickets show [-config FILE] [-json] KEY")
	if !ok {
		return exitUsage
	}
	_, st, code := e.openWith(*cfgPath, storeRead)
	if st == nil {
		return code
	}
	defer st.Close()
	var d tickets.TicketDetail
	err := st.View(ctx, func(v tickets.View) error {
		var err error
		d, err = v.Detail(rest[0])
		return err
	})
	if errors.Is(err, tickets.ErrNotFound) {
		fmt.Fprintf(e.stderr, "ticketgw: no ticket %s\n", rest[0])
		return 1
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: show %s: %v\n", rest[0], err)
		return exitSoftware
	}
	if *asJSON {
		e.printJSON(d)
		return exitOK
	}
	e.printDetail(d)
	return exitOK
}

func (e *env) printDetail(d tickets.TicketDetail) {
	out := e.stdout
	fmt.Fprintf(out, "%s  %s\n", d.Key, d.Subject)
	fmt.Fprintf(out, "status %s · type %s · department %s · requester %s · assignee %s\n",
		d.Status, d.Type, d.Department, d.Requester, orDash(d.Assignee))
	fmt.Fprintf(out, "created %s · updated %s\n", d.CreatedAt.Local().Format(time.DateTime), d.UpdatedAt.Local().Format(time.DateTime))
	for _, m := range d.Messages {
		fmt.Fprintf(out, "\n--- %s %s from %s\n", m.ReceivedAt.Local().Format(time.DateTime), m.Direction, m.From)
		fmt.Fprintln(out, m.Text)
		for _, a := range m.Attachments {
			fmt.Fprintf(out, "[attachment] %s (%s, %d bytes)\n", a.Filename, a.ContentType, a.Size)
		}
		for _, r := range m.Rejected {
			fmt.Fprintf(out, "[refused] %s: %s\n", r.Filename, r.Reason)
		}
	}
	fmt.Fprintln(out, "\nhistory:")
	for _, ev := range d.Events {
		fmt.Fprintf(out, "  %s %s %s %s → %s\n", ev.At.Local().Format(time.DateTime), ev.Actor, ev.Kind, orDash(ev.From), ev.To)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
