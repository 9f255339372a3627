package tickets

import (
	"context"
	"strings"
)

// searchScan is the reference Search: it reads every ticket and message
// and applies the documented rules directly. The index must agree with it.
func searchScan(ctx context.Context, s Store, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	words := queryTerms(q.Text)
	page := Page{Counts: map[Status]int{}}
	err := s.View(ctx, func(v View) error {
		f := q.Filter
		f.Limit = 0
		st := f.Status
		f.Status = ""
		all, err := v.Tickets(f)
		if err != nil {
			return err
		}
		for _, tk := range all {
			if len(words) > 0 {
				d, err := v.Detail(tk.Key)
				if err != nil {
					return err
				}
				if !matchesTerms(d, words) {
					continue
				}
			}
			page.Counts[tk.Status]++
			if st != "" && tk.Status != st {
				continue
			}
			if page.Total >= q.Offset && len(page.Tickets) < q.Limit {
				page.Tickets = append(page.Tickets, tk)
			}
			page.Total++
		}
		return nil
	})
	return page, err
}

// matchesTerms tells whether every word is a prefix of a term of the
// ticket's subject or searchable messages.
func matchesTerms(d TicketDetail, words []string) bool {
	var terms []string
	add := func(t []byte) { terms = append(terms, string(t)) }
	textTerms(d.Subject, nil, add)
	for _, m := range d.Messages {
		if searchable(m.Direction) {
			textTerms(m.Text, nil, add)
		}
	}
next:
	for _, w := range words {
		for _, t := range terms {
			if strings.HasPrefix(t, w) {
				continue next
			}
		}
		return false
	}
	return true
}
