package mailout

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message/mail"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// compose renders one outbox entry as a complete message: text and HTML
// alternatives from the templates, and the headers that keep it threaded
// in the customer's client and out of auto-responder loops.
func (w *Worker) compose(e tickets.OutboxEntry, tk tickets.Ticket, links mailLinks, files [][]byte) ([]byte, error) {
	d := w.mailData(e, tk, links)
	r, err := w.opts.Templates.Mail(d)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", e.Kind, err)
	}
	var h mail.Header
	h.SetDate(e.CreatedAt)
	from := []*mail.Address{{Name: w.senderName(e.From), Address: e.From}}
	h.SetAddressList("From", from)
	h.SetAddressList("Reply-To", from)
	h.SetAddressList("To", []*mail.Address{{Address: e.To}})
	h.SetSubject(w.subject(e, tk))
	h.Set("Message-Id", e.MessageID)
	if safeMsgID(e.InReplyTo) {
		h.Set("In-Reply-To", e.InReplyTo)
	}
	if refs := safeMsgIDs(e.References); len(refs) > 0 {
		h.Set("References", strings.Join(refs, " "))
	}
	if e.Automatic() {
		h.Set("Auto-Submitted", "auto-replied") // RFC 3834
	}
	h.Set("X-Auto-Response-Suppress", "All")
	if e.Ticket != "" {
		// Our own marker: mail that comes back with it is a loop.
		h.Set("X-Ticketgw-Ticket", e.Ticket)
	}
	var buf bytes.Buffer
	if err := writeBody(&buf, h, r, e.Attachments, files); err != nil {
		return nil, fmt.Errorf("compose %s: %w", e.Kind, err)
	}
	return buf.Bytes(), nil
}

// writeBody writes the message: text and HTML as multipart/alternative,
// inside multipart/mixed with the files when there are any.
func writeBody(buf *bytes.Buffer, h mail.Header, r templates.Rendered, atts []tickets.Attachment, files [][]byte) error {
	if len(atts) == 0 {
		iw, err := mail.CreateInlineWriter(buf, h)
		if err != nil {
			return err
		}
		return writeAlternatives(iw, r)
	}
	mw, err := mail.CreateWriter(buf, h)
	if err != nil {
		return err
	}
	iw, err := mw.CreateInline()
	if err != nil {
		return err
	}
	if err := writeAlternatives(iw, r); err != nil {
		return err
	}
	for i, a := range atts {
		var ah mail.AttachmentHeader
		ah.SetContentType(a.ContentType, nil)
		ah.SetFilename(cmp.Or(tickets.CleanFilename(a.Filename), "file"))
		aw, err := mw.CreateAttachment(ah)
		if err != nil {
			return err
		}
		if _, err := aw.Write(files[i]); err != nil {
			return err
		}
		if err := aw.Close(); err != nil {
			return err
		}
	}
	return mw.Close()
}

func writeAlternatives(iw *mail.InlineWriter, r templates.Rendered) error {
	for _, part := range []struct{ typ, body string }{{"text/plain", r.Text}, {"text/html", r.HTML}} {
		var ph mail.InlineHeader
		ph.SetContentType(part.typ, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := iw.CreatePart(ph)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, part.body); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return iw.Close()
}

func (w *Worker) mailData(e tickets.OutboxEntry, tk tickets.Ticket, links mailLinks) templates.MailData {
	d := templates.MailData{
		Lang:           w.opts.Language,
		Kind:           e.Kind,
		Key:            e.Ticket,
		Subject:        e.Subject,
		Type:           string(tk.Type),
		Department:     tk.Department,
		Status:         string(tk.Status),
		Summary:        summary(e.Text, 300),
		Allowed:        w.opts.AllowedAttachments,
		MaxSize:        sizeWords(w.opts.MaxAttachmentBytes),
		SupportAddress: e.From,
		SupportName:    w.senderName(e.From),
	}
	if e.Status != "" {
		d.Status = string(e.Status)
	}
	if e.Kind == tickets.MailReply {
		d.Text = e.Text
	}
	d.TicketURL, d.ListURL = links.urls(w.opts.BaseURL, e.Ticket)
	for _, r := range e.Rejected {
		d.Refused = append(d.Refused, templates.Refused{Filename: r.Filename, TooLarge: strings.HasPrefix(r.Reason, tickets.RefusedSize)})
	}
	return d
}

// subject keeps the ticket tag in every subject, so that any reply threads
// by it even when a client drops In-Reply-To; updates are replies.
func (w *Worker) subject(e tickets.OutboxEntry, tk tickets.Ticket) string {
	s := e.Subject
	if s == "" {
		s = tk.Subject
	}
	if s == "" {
		s = "(no subject)"
		if w.opts.Language == "pt-BR" {
			s = "(sem assunto)"
		}
	}
	switch {
	case e.Kind == tickets.MailListLink:
		return listLinkSubject(w.opts.Language)
	case e.Ticket == "":
		return "Re: " + s
	case e.Kind == tickets.MailConfirmation:
		return "[" + e.Ticket + "] " + s
	}
	return "Re: [" + e.Ticket + "] " + s
}

func (w *Worker) senderName(addr string) string {
	for _, s := range w.opts.Senders {
		if tickets.SameEmail(s.Email, addr) {
			return s.Name
		}
	}
	return ""
}

// summary shortens text to about n bytes on a word boundary, with no
// blank lines (a summary is one block).
func summary(text string, n int) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	text = strings.Join(lines, "\n")
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndexAny(text[:n], " \n\t")
	if cut < n/2 {
		cut = n
		for cut > 0 && text[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return strings.TrimSpace(text[:cut]) + " …"
}

// sizeWords writes a byte limit as people read it.
func sizeWords(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.4g MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.4g KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
