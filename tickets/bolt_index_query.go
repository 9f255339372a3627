package tickets

// fieldMatch is one filter resolved to an interned value.
type fieldMatch struct {
	on bool // the filter is set
	id uint32
}

func (m fieldMatch) ok(v uint32) bool { return !m.on || v == m.id }

// resolve turns a filter value into a fieldMatch; found is false when no
// ticket has the value, so nothing can match.
func (t *dict) resolve(v string) (m fieldMatch, found bool) {
	if v == "" {
		return fieldMatch{}, true
	}
	id, found := t.ids[v]
	return fieldMatch{on: true, id: id}, found
}

// query finds the numbers of the tickets on q's page, the number of matches
// and the counts per status. q.Limit must be set.
func (d *indexData) query(q Query) (nums []uint64, total int, counts map[Status]int) {
	counts = map[Status]int{}
	typ, ok1 := d.types.resolve(string(q.Type))
	dept, ok2 := d.depts.resolve(foldKey(q.Department))
	asg, ok3 := d.assignees.resolve(foldKey(q.Assignee))
	req, ok4 := d.requesters.resolve(NormalizeEmail(q.Requester))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, 0, counts
	}
	// An unknown status still counts the others.
	st, stFound := d.statuses.resolve(string(q.Status))
	var bits bitset
	for _, t := range queryTerms(q.Text) {
		b := newBitset(len(d.rows))
		d.words.match(t, b)
		if bits == nil {
			bits = b
		} else if !bits.and(b) {
			return nil, 0, counts
		}
	}
	perStatus := make([]int, len(d.statuses.vals))
	offset := max(q.Offset, 0)
	for i := range d.order {
		e := &d.order[i]
		if !typ.ok(e.typ) || !dept.ok(e.dept) || !asg.ok(e.assignee) || !req.ok(e.requester) {
			continue
		}
		if bits != nil && !bits.has(e.row) {
			continue
		}
		perStatus[e.status]++
		if !stFound || !st.ok(e.status) {
			continue
		}
		if total >= offset && len(nums) < q.Limit {
			nums = append(nums, d.rows[e.row].num)
		}
		total++
	}
	for id, n := range perStatus {
		if n > 0 {
			counts[Status(d.statuses.vals[id])] = n
		}
	}
	return nums, total, counts
}
