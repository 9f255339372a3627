package tickets

import (
	"context"
	"strings"
)

// Search implements Store. This first version scans every ticket and its
// messages; it is the reference an index must agree with.
func (s *BoltStore) Search(ctx context.Context, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	words := SearchWords(q.Text)
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
				if !matchesWords(d, words) {
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

func matchesWords(d TicketDetail, words []string) bool {
	var b strings.Builder
	b.WriteString(Fold(d.Subject))
	for _, m := range d.Messages {
		b.WriteByte(' ')
		b.WriteString(Fold(m.Text))
	}
	hay := b.String()
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
