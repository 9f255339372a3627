package tickets

import "fmt"

// Status is where a ticket stands in its life.
type Status string

// The statuses of a ticket.
const (
	StatusOpen            Status = "open"
	StatusInProgress      Status = "in_progress"
	StatusWaitingCustomer Status = "waiting_customer"
	StatusResolved        Status = "resolved"
	StatusClosed          Status = "closed"
)

// Statuses lists every status in workflow order, for filters and menus.
func Statuses() []Status {
	return []Status{StatusOpen, StatusInProgress, StatusWaitingCustomer, StatusResolved, StatusClosed}
}

// ParseStatus checks a status coming from a command line, a form or the API.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("status %q is not one of open, in_progress, waiting_customer, resolved, closed", s)
}

// AfterCustomerReply is the status a ticket takes when its customer writes:
// a ticket waiting for the customer, resolved or closed goes back to the
// analysts' queue; any other stays as it is.
func (s Status) AfterCustomerReply() Status {
	switch s {
	case StatusWaitingCustomer, StatusResolved, StatusClosed:
		return StatusOpen
	}
	return s
}

// Type is the kind of request, chosen by the address mail was sent to.
type Type string

// The types of a ticket.
const (
	TypeBug         Type = "bug"
	TypeSupport     Type = "support"
	TypeImprovement Type = "improvement"
)

// Types lists every ticket type.
func Types() []Type { return []Type{TypeBug, TypeSupport, TypeImprovement} }

// ParseType checks a ticket type from configuration, a form or the API.
func ParseType(s string) (Type, error) {
	for _, t := range Types() {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("type %q is not one of bug, support, improvement", s)
}
