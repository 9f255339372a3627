package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// queueFilter is the queue's query string: every filter is a parameter,
// so that a view of the queue can be bookmarked and shared.
type queueFilter struct {
	Status, Type, Department, Assignee, Requester, Text string
	Page                                                int
}

// values is the query string of f (without the page when page is 0).
func (f queueFilter) values(page int) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": f.Status, "type": f.Type, "department": f.Department,
		"assignee": f.Assignee, "requester": f.Requester, "q": f.Text} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

// withQuery is path with the query string v, if any.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// tab is one status tab with its count.
type tab struct {
	Status string // "" for all
	Count  int
	URL    string
	Active bool
}

// pager links a page of a list to its neighbours.
type pager struct {
	From, To, Total  int
	PrevURL, NextURL string
}

// ticketRow is one line of a list of tickets.
type ticketRow struct {
	tickets.Ticket
	URL string
}

type queueData struct {
	chrome
	F           queueFilter
	Tabs        []tab
	Tickets     []ticketRow
	Pager       pager
	Types       []string
	Departments []string
	Analysts    []string
}

// parsePage reads the page parameter (1 when absent or wrong).
func parsePage(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

// makePager links page of a list of total entries, building the URLs with
// link.
func makePager(page, size, shown, total int, link func(page int) string) pager {
	p := pager{Total: total}
	if shown > 0 {
		p.From = (page-1)*size + 1
		p.To = p.From + shown - 1
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page*size < total {
		p.NextURL = link(page + 1)
	}
	return p
}

// statusTabs makes the tabs of a list: all, then each status with its
// count, each linking to the list with that status.
func statusTabs(counts map[tickets.Status]int, current string, link func(status string) string) []tab {
	all := 0
	for _, n := range counts {
		all += n
	}
	tabs := []tab{{Count: all, URL: link(""), Active: current == ""}}
	for _, st := range tickets.Statuses() {
		tabs = append(tabs, tab{Status: string(st), Count: counts[st], URL: link(string(st)), Active: current == string(st)})
	}
	return tabs
}

// queue is GET /tickets: the tickets matching the filters and the search
// words, newest update first, a page at a time, with counts per status.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	f := queueFilter{
		Status: q.Get("status"), Type: q.Get("type"), Department: strings.TrimSpace(q.Get("department")),
		Assignee: strings.TrimSpace(q.Get("assignee")), Requester: strings.TrimSpace(q.Get("requester")),
		Text: strings.TrimSpace(q.Get("q")), Page: parsePage(q.Get("page")),
	}
	query := tickets.Query{
		Filter: tickets.Filter{Department: f.Department, Assignee: f.Assignee, Requester: f.Requester},
		Text:   f.Text, Offset: (f.Page - 1) * s.opts.PageSize, Limit: s.opts.PageSize,
	}
	if f.Status != "" {
		st, err := tickets.ParseStatus(f.Status)
		if err != nil {
			s.fail(w, r, sess, http.StatusBadRequest, "error.bad_value", "/tickets")
			return
		}
		query.Status = st
	}
	if f.Type != "" {
		typ, err := tickets.ParseType(f.Type)
		if err != nil {
			s.fail(w, r, sess, http.StatusBadRequest, "error.bad_value", "/tickets")
			return
		}
		query.Type = typ
	}
	page, err := s.store.Search(r.Context(), query)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	analysts, err := s.analystNames(r)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d := queueData{chrome: s.chrome(r, sess, "queue"), F: f, Departments: s.opts.Departments, Analysts: analysts}
	for _, t := range tickets.Types() {
		d.Types = append(d.Types, string(t))
	}
	d.Tabs = statusTabs(page.Counts, f.Status, func(status string) string {
		g := f
		g.Status = status
		return withQuery("/tickets", g.values(0))
	})
	for _, tk := range page.Tickets {
		d.Tickets = append(d.Tickets, ticketRow{Ticket: tk, URL: "/tickets/" + url.PathEscape(tk.Key)})
	}
	d.Pager = makePager(f.Page, s.opts.PageSize, len(page.Tickets), page.Total, func(p int) string {
		return withQuery("/tickets", f.values(p))
	})
	s.render(w, http.StatusOK, templates.PageQueue, d)
}

// analystNames lists the analysts, for the assignee fields.
func (s *Server) analystNames(r *http.Request) ([]string, error) {
	var names []string
	err := s.store.View(r.Context(), func(v tickets.View) error {
		list, err := v.Analysts()
		for _, a := range list {
			names = append(names, a.Name)
		}
		return err
	})
	return names, err
}
