package tickets

import (
	"fmt"
	"strings"
)

func (t *boltTx) Note(key, actor, text string) (Message, error) {
	if strings.TrimSpace(text) == "" {
		return Message{}, fmt.Errorf("note on %s: empty text", key)
	}
	m := &Message{Direction: DirNote, From: actor, Text: text}
	if _, err := t.AppendMessage(key, m); err != nil {
		return Message{}, err
	}
	return *m, nil
}

func (t *boltTx) SetAssignee(key, actor, assignee string) (Ticket, error) {
	return t.change(key, actor, EventAssignee, strings.TrimSpace(assignee), func(tk *Ticket) *string { return &tk.Assignee })
}

func (t *boltTx) SetDepartment(key, actor, department string) (Ticket, error) {
	department = strings.TrimSpace(department)
	if department == "" {
		return Ticket{}, fmt.Errorf("department of %s: empty", key)
	}
	return t.change(key, actor, EventDepartment, department, func(tk *Ticket) *string { return &tk.Department })
}

func (t *boltTx) SetType(key, actor string, typ Type) (Ticket, error) {
	if _, err := ParseType(string(typ)); err != nil {
		return Ticket{}, err
	}
	return t.change(key, actor, EventType, string(typ), func(tk *Ticket) *string { return (*string)(&tk.Type) })
}

// change sets one field of a ticket and records the event.
func (t *boltTx) change(key, actor, kind, to string, field func(*Ticket) *string) (Ticket, error) {
	n, tk, err := t.ticketNum(key)
	if err != nil {
		return Ticket{}, err
	}
	f := field(&tk)
	if *f == to {
		return tk, nil
	}
	now := t.opts.Now().UTC()
	if err := t.addEvent(n, Event{At: now, Actor: actor, Kind: kind, From: *f, To: to}); err != nil {
		return Ticket{}, err
	}
	*f, tk.UpdatedAt = to, now
	return tk, t.put(bTickets, u64(n), &tk)
}
