package mailin

import (
	"context"
	"fmt"
	"time"
)

// imapBudgetWait bounds a fetched message's wait for the memory budget; a
// message that does not get it stays unmarked and is fetched again at the
// next poll.
const imapBudgetWait = time.Minute

// ingest commits one fetched message once the memory budget admits it.
// The wait ends with ctx (shutdown); once admitted, the message is
// committed even if ctx ends meanwhile.
func (p *Poller) ingest(ctx context.Context, raw []byte) error {
	wait, cancel := context.WithTimeout(ctx, imapBudgetWait)
	defer cancel()
	release, err := p.g.Admit(wait, int64(len(raw)))
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer release()
	if _, err := p.g.Ingest(context.Background(), raw, Envelope{Source: "imap:" + p.opts.Name}); err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	return nil
}
