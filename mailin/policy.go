package mailin

import (
	"fmt"

	"github.com/ticketgw/ticketgw/tickets"
)

// applyPolicy splits a message's parts into the attachments kept and the
// ones refused, each refusal with its reason. The message itself is kept
// either way; a part whose data is shorter than its size (cut by a parse
// limit) counts as too large.
func applyPolicy(pol tickets.AttachmentPolicy, parts []Part) ([]tickets.Attachment, []tickets.Rejected) {
	var kept []tickets.Attachment
	var refused []tickets.Rejected
	for _, p := range parts {
		why := pol.Refuses(p.Filename, p.Size)
		if why == "" && int64(len(p.Data)) < p.Size {
			why = tickets.RefusedSize
		}
		switch why {
		case "":
			kept = append(kept, tickets.Attachment{Filename: p.Filename, ContentType: p.ContentType, ContentID: p.ContentID, Size: p.Size, Data: p.Data})
		case tickets.RefusedSize:
			refused = append(refused, tickets.Rejected{Filename: p.Filename, ContentType: p.ContentType, Size: p.Size,
				Reason: fmt.Sprintf("%s of %s", tickets.RefusedSize, humanBytes(pol.MaxBytes))})
		default:
			refused = append(refused, tickets.Rejected{Filename: p.Filename, ContentType: p.ContentType, Size: p.Size, Reason: why})
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
