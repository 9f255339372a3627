package mailin

import (
	"context"
	"errors"

	"github.com/ticketgw/ticketgw/internal/budget"
)

// ingest waits for the memory budget (at most BudgetWait) and ingests a
// received message, mapping what went wrong to the SMTP answer: 451 4.3.1
// when the budget stayed busy, 451 4.3.0 when the store failed.
func (s *session) ingest(sp *Spool, env Envelope) (Result, error) {
	wait, cancel := context.WithTimeout(context.Background(), s.l.opts.BudgetWait)
	defer cancel()
	res, err := s.l.g.IngestSpool(wait, sp, env)
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, budget.ErrBusy):
		s.l.opts.Logger.Warn("smtp message deferred", "client", s.client, "bytes", sp.Size(), "reason", "memory budget busy")
		return Result{}, errBusy
	case errors.Is(err, ErrSpool):
		s.l.opts.Logger.Error("smtp: cannot read a spooled message back", "client", s.client, "error", err)
	}
	return Result{}, errTempFail
}
