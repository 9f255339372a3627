package web

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// findAttachment looks for an attachment among the messages of a ticket
// that the viewer may see (customers: not notes), so that an attachment id
// of another ticket, or of a note, is not found through this one.
func findAttachment(d tickets.TicketDetail, id string, notes bool) (tickets.Attachment, bool) {
	for _, m := range d.Messages {
		if m.Direction == tickets.DirNote && !notes {
			continue
		}
		for _, a := range m.Attachments {
			if a.ID == id {
				return a, true
			}
		}
	}
	return tickets.Attachment{}, false
}

// sendAttachment serves a stored attachment with the type its content has
// (tickets.FileType), not the type in its record: records stored before
// types followed content carry the sender's claim (a .pdf declared
// text/html, an image.png declared image/svg+xml), and the record's type
// of newer ones is the same FileType anyway (security audit D15).
func sendAttachment(w http.ResponseWriter, a tickets.Attachment, data []byte) {
	sendFile(w, a.Filename, tickets.FileType(a.Filename, data), data)
}

// sendFile answers with a stored file as a download, never as a page: the
// browser saves it (Content-Disposition: attachment) instead of showing
// it, does not guess another type (nosniff, set for every answer), and a
// sandbox CSP keeps it inert should it be opened in place anyway.
func sendFile(w http.ResponseWriter, filename, ctype string, data []byte) {
	filename = shownName(filename)
	if t, params, err := mime.ParseMediaType(ctype); err != nil || !strings.Contains(t, "/") {
		ctype = "application/octet-stream"
	} else {
		ctype = mime.FormatMediaType(t, params)
		if ctype == "" {
			ctype = t
		}
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", contentDisposition(filename))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// contentDisposition makes an attachment disposition with the file name
// twice, as RFC 6266 advises: an ASCII fallback in filename= and the
// exact name, UTF-8 and percent-encoded, in filename*=.
func contentDisposition(name string) string {
	var fallback strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			fallback.WriteByte('_')
		} else {
			fallback.WriteRune(r)
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes a value for filename*: only attr-chars stay.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// shownName is a stored file name as pages and downloads show it: cleaned
// again, since records stored by earlier versions may still hold format
// characters (a right-to-left override) that the cleaning now removes.
func shownName(name string) string {
	if n := tickets.CleanFilename(name); n != "" {
		return n
	}
	return "file"
}
