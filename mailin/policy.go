package mailin

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// AttachmentPolicy says which files are kept with a ticket.
type AttachmentPolicy struct {
	MaxBytes int64
	// Allowed are file name extensions, lower case without the dot.
	Allowed []string
}

// apply splits a message's parts into the attachments kept and the ones
// refused, each refusal with its reason. The message itself is kept either
// way.
func (pol AttachmentPolicy) apply(parts []Part) ([]tickets.Attachment, []tickets.Rejected) {
	var kept []tickets.Attachment
	var refused []tickets.Rejected
	for _, p := range parts {
		ext := strings.TrimPrefix(strings.ToLower(path.Ext(p.Filename)), ".")
		switch {
		case !slices.Contains(pol.Allowed, ext):
			refused = append(refused, tickets.Rejected{Filename: p.Filename, ContentType: p.ContentType, Size: p.Size, Reason: tickets.RefusedType})
		case p.Size > pol.MaxBytes || int64(len(p.Data)) < p.Size:
			refused = append(refused, tickets.Rejected{Filename: p.Filename, ContentType: p.ContentType, Size: p.Size,
				Reason: fmt.Sprintf("%s of %s", tickets.RefusedSize, humanBytes(pol.MaxBytes))})
		default:
			kept = append(kept, tickets.Attachment{Filename: p.Filename, ContentType: p.ContentType, ContentID: p.ContentID, Size: p.Size, Data: p.Data})
		}
	}
	return kept, refused
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
