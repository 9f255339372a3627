package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// maxUploadFiles caps the files of one reply.
const maxUploadFiles = 10

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

// uploads reads the files of the form's "files" field under the policy. A
// refused file refuses the whole post (refused names the files and why,
// in the page's language): the person is there to pick another file,
// unlike a mail sender, so nothing is stored half.
func (s *Server) uploads(r *http.Request) (atts []tickets.Attachment, refused string, err error) {
	if r.MultipartForm == nil {
		return nil, "", nil
	}
	pol := s.opts.Attachments
	var why []string
	files := r.MultipartForm.File["files"]
	n := 0
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty part a browser sends when no file is chosen
		}
		n++
		name := tickets.CleanFilename(fh.Filename)
		if name == "" {
			name = "file"
		}
		if n > maxUploadFiles {
			why = append(why, fmt.Sprintf("%s: > %d", name, maxUploadFiles))
			continue
		}
		switch pol.Refuses(name, fh.Size) {
		case tickets.RefusedType:
			why = append(why, name+": "+s.tpl.Label(s.opts.Language, "refused.type"))
			continue
		case tickets.RefusedSize:
			why = append(why, fmt.Sprintf("%s: %s (%s)", name, s.tpl.Label(s.opts.Language, "refused.size"), templates.HumanBytes(pol.MaxBytes)))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, "", fmt.Errorf("open upload %s: %w", name, err)
		}
		data, err := io.ReadAll(io.LimitReader(f, pol.MaxBytes+1))
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("read upload %s: %w", name, err)
		}
		if int64(len(data)) > pol.MaxBytes {
			why = append(why, fmt.Sprintf("%s: %s (%s)", name, s.tpl.Label(s.opts.Language, "refused.size"), templates.HumanBytes(pol.MaxBytes)))
			continue
		}
		atts = append(atts, tickets.Attachment{Filename: name, ContentType: tickets.FileType(name, data), Size: int64(len(data)), Data: data})
	}
	if len(why) > 0 {
		return nil, strings.Join(why, "; "), nil
	}
	return atts, "", nil
}
