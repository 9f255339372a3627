package mailout

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// DefaultMaxMessageBytes caps an outgoing message when neither the
// configuration nor the relay says otherwise: 25 MB, what the large mail
// providers accept.
const DefaultMaxMessageBytes = 25_000_000

// SizeLimiter is a transport that knows the largest message it will take
// (an SMTP relay's SIZE); 0 means it does not know (yet).
type SizeLimiter interface {
	MaxMessageBytes() int64
}

// TooLargeError is a message refused for its size before it was sent,
// because the relay announced a smaller SIZE. The worker fits the message
// to Limit and sends it again.
type TooLargeError struct {
	Size, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("message of %d bytes is over the relay's SIZE of %d", e.Size, e.Limit)
}

// limit is the size a composed message must fit.
func (w *Worker) limit() int64 {
	if w.opts.MaxMessageBytes > 0 {
		return w.opts.MaxMessageBytes
	}
	if s, ok := w.opts.Transport.(SizeLimiter); ok {
		if n := s.MaxMessageBytes(); n > 0 {
			return n
		}
	}
	return DefaultMaxMessageBytes
}

// composeFitting composes e within limit bytes. When the whole is too
// large, the largest attachments are left out, one at a time, and the text
// says which and that they are on the ticket page; omitted names them.
// A message over the limit even without attachments is an error: it is
// never sent cut, nor dropped without a word.
func (w *Worker) composeFitting(e tickets.OutboxEntry, tk tickets.Ticket, links mailLinks, files [][]byte, limit int64) (msg []byte, omitted []string, err error) {
	msg, err = w.compose(e, tk, links, files)
	if err != nil || int64(len(msg)) <= limit {
		return msg, nil, err
	}
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(files[b]), len(files[a])) })
	drop := map[int]bool{}
	for _, i := range order {
		drop[i] = true
		var keptAtts []tickets.Attachment
		var keptFiles [][]byte
		omitted = omitted[:0]
		for k, a := range e.Attachments {
			if drop[k] {
				omitted = append(omitted, cmp.Or(tickets.CleanFilename(a.Filename), "file"))
				continue
			}
			keptAtts, keptFiles = append(keptAtts, a), append(keptFiles, files[k])
		}
		c := e
		c.Attachments = keptAtts
		c.Text = e.Text + w.omittedNote(omitted, limit)
		if msg, err = w.compose(c, tk, links, keptFiles); err != nil {
			return nil, nil, err
		}
		if int64(len(msg)) <= limit {
			return msg, omitted, nil
		}
	}
	return nil, nil, &composeError{fmt.Errorf("message of %d bytes is over the outgoing limit of %d bytes (outbound.max_message_bytes) even without its attachments", len(msg), limit)}
}

// omittedNote is the paragraph added to a reply whose files did not fit.
func (w *Worker) omittedNote(names []string, limit int64) string {
	list := strings.Join(names, ", ")
	if w.opts.Language == "pt-BR" {
		return fmt.Sprintf("\n\n[Anexos não enviados por e-mail, pois a mensagem passaria de %s: %s. Eles estão na página do chamado.]", sizeWords(limit), list)
	}
	return fmt.Sprintf("\n\n[Attachments not sent by email, as the message would exceed %s: %s. They are on the ticket page.]", sizeWords(limit), list)
}
