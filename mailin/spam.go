package mailin

import "strings"

// spamVerdict reads the verdict an upstream filter wrote: SpamAssassin's
// X-Spam-Flag and X-Spam-Status, Rspamd's X-Spam. Such mail is held as
// spam and never answered, so that a spam run cannot make the support
// address answer thousands of forged senders; an analyst can still accept
// a false positive. A sender can forge the header only to hold its own
// mail.
func spamVerdict(p *Parsed) bool {
	h := p.Header
	yes := func(k string) bool {
		v := strings.ToLower(strings.TrimSpace(h.Get(k)))
		return v == "yes" || v == "true" || strings.HasPrefix(v, "yes,") || strings.HasPrefix(v, "yes ")
	}
	return yes("X-Spam-Flag") || yes("X-Spam-Status") || yes("X-Spam")
}
