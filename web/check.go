package web

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// CheckPages renders every page once with sample data that fills each
// list and branch, so that a broken template override (a misspelled
// field, an unknown label) stops serve at start instead of failing the
// first analyst or customer who opens that page.
func (s *Server) CheckPages() error {
	if s.tpl == nil {
		return errors.New("web: no templates")
	}
	now := time.Now()
	c := chrome{Lang: s.opts.Language, Analyst: "sample", CSRF: "x", Nav: "queue", Notice: "notice.reply", Error: "error.attachment", ErrorDetail: "x"}
	tk := tickets.Ticket{Key: "SUP-1", Subject: "s", Status: tickets.StatusOpen, Type: tickets.TypeBug, Department: "d", Requester: "r@x", Assignee: "a", CreatedAt: now, UpdatedAt: now}
	msgs := []messageView{{ID: "1", Direction: "in", From: "r@x", ReceivedAt: now, Text: "t", FullText: "f", ShowFull: true,
		Files: []fileView{{Filename: "a.pdf", ContentType: "application/pdf", Size: 1, URL: "/x"}}, Refused: []refusedView{{Filename: "b.exe", Reason: "r"}}},
		{ID: "2", Direction: "out"}, {ID: "3", Direction: "note"}}
	var events []tickets.Event
	for _, k := range []string{tickets.EventCreated, tickets.EventStatus, tickets.EventType, tickets.EventAssignee, tickets.EventDepartment, "other"} {
		events = append(events, tickets.Event{At: now, Actor: "a", Kind: k, From: "open", To: "closed"})
	}
	ann := []tickets.Announcement{{ID: 1, Text: "t", PostedBy: "a", PostedAt: now}, {ID: 2, Text: "t", RetiredAt: now}}
	rows := []ticketRow{{Ticket: tk, URL: "/x"}}
	pg := pager{From: 1, To: 1, Total: 3, PrevURL: "/p", NextURL: "/n"}
	tabs := statusTabs(map[tickets.Status]int{tickets.StatusOpen: 1}, "", func(string) string { return "/x" })
	up := uploadPolicyView(s.opts.Attachments)
	in := tickets.Inbound{ID: 1, ReceivedAt: now, From: "f", Subject: "s", Reason: "unknown-sender", Target: "SUP-1", Text: "t", Problems: []string{"p"}, Outcome: tickets.Held}
	ob := []tickets.OutboxEntry{{ID: 1, Kind: "reply", Ticket: "SUP-1", To: "r@x", CreatedAt: now, NextAttempt: now, LastError: "e"}}
	data := map[string]any{
		templates.PageLogin: loginData{chrome: chrome{Lang: c.Lang, Error: "error.login"}, Name: "n", Next: "/"},
		templates.PageQueue: queueData{chrome: c, F: queueFilter{Status: "open", Text: "q"}, Tabs: tabs, Tickets: rows, Pager: pg,
			Types: []string{"bug"}, Departments: []string{"d"}, Analysts: []string{"a"}},
		templates.PageTicket: ticketData{chrome: c, T: tk, Messages: msgs, Events: events, RequesterURL: "/x", Statuses: []string{"open"},
			Types: []string{"bug"}, Departments: []string{"d"}, Analysts: []string{"a"}, Upload: up, Draft: "d", NoteDraft: "n"},
		templates.PageHeld:    heldData{chrome: c, Held: []heldRow{{Inbound: in, ReasonLabel: "r", URL: "/x"}}},
		templates.PageIgnored: heldData{chrome: c, Held: []heldRow{{Inbound: in, ReasonLabel: "r", URL: "/x"}}, More: true, Shown: 1},
		templates.PageHeldMessage: heldMessageData{chrome: c, In: in, ReasonLabel: "r", Headers: []header{{"A", "b"}}, Size: 1,
			CanAccept: true, CanDiscard: true, NeedsRequester: true, Requester: "r"},
		templates.PageCustomers:     customersData{chrome: c, Customers: []tickets.Customer{{Email: "e@x", Name: "n", AddedAt: now}}},
		templates.PageOutbox:        outboxData{chrome: c, Failed: outboxTable{Rows: ob, Retry: true, CSRF: "x"}, Pending: outboxTable{Rows: ob}},
		templates.PageAnnouncements: announcementsData{chrome: c, Current: ann[:1], Retired: ann[1:]},
		templates.PageCustomerTicket: customerTicketData{chrome: chrome{Lang: c.Lang, Notice: "notice.customer_reply"}, T: tk, Messages: msgs[:2], Events: events,
			Announcements: ann[:1], Token: "k", ReplyURL: "/x", ListURL: "/y", Closing: true, Upload: up, Draft: "d"},
		templates.PageCustomerList: customerListData{chrome: chrome{Lang: c.Lang}, Email: "e@x", Token: "k", Status: "open", Text: "t", Tabs: tabs,
			Tickets: rows, Pager: pg, Announcements: ann[:1]},
		templates.PageError: errorPage{chrome: c, Message: "error.not_found", Back: "/"},
		templates.PageLinkRequest: linkRequestData{chrome: chrome{Lang: c.Lang, Error: "error.link_rate"}, Key: "SUP-1", Action: "/x", Token: "k",
			Expired: true},
	}
	for _, p := range templates.Pages() {
		d, ok := data[p]
		if !ok {
			return fmt.Errorf("web: no sample data for page %s", p)
		}
		if err := s.tpl.Page(io.Discard, s.opts.Language, p, d); err != nil {
			return fmt.Errorf("web: %w", err)
		}
	}
	// The fresh-link page's other branches: the list's form and the answer.
	for _, d := range []linkRequestData{{chrome: chrome{Lang: c.Lang}, List: true, Action: "/x", Expired: true}, {chrome: chrome{Lang: c.Lang}, List: true, Action: "/x"},
		{chrome: chrome{Lang: c.Lang}, Sent: true}} {
		if err := s.tpl.Page(io.Discard, s.opts.Language, templates.PageLinkRequest, d); err != nil {
			return fmt.Errorf("web: %w", err)
		}
	}
	return nil
}
