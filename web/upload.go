package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// maxUploadFiles caps the files of one reply.
const maxUploadFiles = 10

// defaultUploadCostFactor is what storing an upload costs in memory, as a
// multiple of its files' size: the bytes read back from the spool, the
// store's page buffers at commit, garbage not yet collected.
const defaultUploadCostFactor = 3

// bodyLimit caps a whole upload: every file at its largest, and the text.
func bodyLimit(p tickets.AttachmentPolicy) int64 { return maxUploadFiles*p.MaxBytes + 1<<20 }

// uploadView is what a page says of the policy beside the file field.
type uploadView struct {
	Accept  string // for the input's accept attribute: ".pdf,.png"
	Allowed []string
	MaxSize string
}

func uploadPolicyView(p tickets.AttachmentPolicy) uploadView {
	exts := make([]string, len(p.Allowed))
	for i, e := range p.Allowed {
		exts[i] = "." + e
	}
	return uploadView{Accept: strings.Join(exts, ","), Allowed: p.Allowed, MaxSize: templates.HumanBytes(p.MaxBytes)}
}

// errBusy says the memory budget did not admit an upload in time: the
// page answers 503 and keeps what was typed.
var errBusy = errors.New("too many uploads in progress")

// uploads reads the files of the form's "files" field (spooled by
// readMultipart) under the policy. A refused file refuses the whole post
// (refused names the files and why, in the page's language): the person is
// there to pick another file, unlike a mail sender, so nothing is stored
// half. Kept files are admitted by the memory budget before they are read
// into memory; release gives the budget back once they are stored, and
// err wraps errBusy when the budget stayed busy.
func (s *Server) uploads(r *http.Request) (atts []tickets.Attachment, refused string, release func(), err error) {
	release = func() {}
	v, ok := s.posted.Load(r)
	if !ok {
		return nil, "", release, nil
	}
	pol := s.opts.Attachments
	var why []string
	var total int64
	for _, pf := range v.(*postedFiles).files {
		switch {
		case pf.over:
			why = append(why, fmt.Sprintf("%s: > %d", pf.name, maxUploadFiles))
		case pf.why == tickets.RefusedType:
			why = append(why, pf.name+": "+s.tpl.Label(s.opts.Language, "refused.type"))
		case pf.why == tickets.RefusedSize:
			why = append(why, fmt.Sprintf("%s: %s (%s)", pf.name, s.tpl.Label(s.opts.Language, "refused.size"), templates.HumanBytes(pol.MaxBytes)))
		default:
			total += pf.size
		}
	}
	if len(why) > 0 {
		return nil, strings.Join(why, "; "), release, nil
	}
	if total == 0 && len(v.(*postedFiles).files) == 0 {
		return nil, "", release, nil
	}
	wait, cancel := context.WithTimeout(r.Context(), s.opts.BudgetWait)
	defer cancel()
	release, err = s.opts.Budget.Acquire(wait, total*int64(s.opts.UploadCostFactor))
	if err != nil {
		return nil, "", func() {}, fmt.Errorf("%w: %w", errBusy, err)
	}
	for _, pf := range v.(*postedFiles).files {
		data := make([]byte, pf.size)
		if _, err := pf.f.ReadAt(data, 0); err != nil && !(errors.Is(err, io.EOF) && pf.size == 0) {
			release()
			return nil, "", func() {}, fmt.Errorf("read upload %s back: %w", pf.name, err)
		}
		atts = append(atts, tickets.Attachment{Filename: pf.name, ContentType: tickets.FileType(pf.name, data), Size: pf.size, Data: data})
	}
	return atts, "", release, nil
}
