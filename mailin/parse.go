package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/ticketgw/ticketgw/mailin/htmltext"
	"github.com/ticketgw/ticketgw/tickets"
)

// Limits bound what parsing one message may cost, so that hostile mail
// (thousands of parts, deep nesting, giant headers) cannot exhaust memory or
// time. What goes past a limit is skipped and noted; the raw message is kept
// whole by the caller, so nothing is lost.
type Limits struct {
	MaxHeaderBytes int64 // per header block
	MaxDepth       int   // nesting of multiparts and attached messages
	MaxParts       int   // leaf parts read in all
	MaxTextBytes   int64 // decoded text kept per text part
	// MaxAttachmentBytes caps what is read of one attachment: a larger one
	// is recorded with its size as "at least" this and refused by policy.
	MaxAttachmentBytes int64
}

// DefaultLimits suit ordinary support mail.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes:     256 << 10,
		MaxDepth:           16,
		MaxParts:           500,
		MaxTextBytes:       2 << 20,
		MaxAttachmentBytes: 32 << 20,
	}
}

// Parsed is what one email says, decoded: the parts of it that routing,
// matching and storage need.
type Parsed struct {
	Header     gomail.Header
	MessageID  string   // without angle brackets
	InReplyTo  []string // without angle brackets
	References []string
	From       string // lower-case address, "" when absent
	FromName   string
	To, Cc     []string // lower-case addresses
	Subject    string   // decoded, as written
	Date       time.Time
	MediaType  string // of the top-level entity
	// Text is the whole body as text: text/plain preferred, HTML
	// converted otherwise, parts in order, attached messages inlined.
	Text        string
	Attachments []Part
	// PartTypes are the declared media types of the entities below the
	// top one, in order (at most maxPartTypes): a report wrapped in
	// multipart/mixed shows by its message/delivery-status part.
	PartTypes []string
	// Problems are what went wrong while decoding (bad charset, truncated
	// base64, limits hit); the message is still used as far as it could
	// be read.
	Problems []string
}

// maxPartTypes bounds Parsed.PartTypes.
const maxPartTypes = 64

// Part is a non-text part of a message: a file or an inline image.
type Part struct {
	Filename    string
	ContentType string
	ContentID   string
	Data        []byte
	// Size is the decoded size; larger than len(Data) when the part went
	// past Limits.MaxAttachmentBytes and was not read whole.
	Size int64
}

// ErrUnparseable says the input is not an email at all: empty, or with no
// header field even after a lenient reading (an mbox envelope line
// skipped, lone CRs taken as line ends, NULs removed, malformed lines
// dropped). Such input is held, never dropped.
var ErrUnparseable = errors.New("not an email message")

// Parse decodes one raw email. It fails only with ErrUnparseable; every
// other defect, and every repair the lenient reading made, is recorded in
// Problems. raw itself is never modified.
func Parse(raw []byte, lim Limits) (*Parsed, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrUnparseable)
	}
	in, repairs := readable(raw, lim.MaxHeaderBytes)
	ent, err := message.ReadWithOptions(bytes.NewReader(in), &message.ReadOptions{MaxHeaderBytes: lim.MaxHeaderBytes})
	if ent == nil {
		return nil, fmt.Errorf("%w: %v", ErrUnparseable, err)
	}
	if ent.Header.Len() == 0 {
		return nil, fmt.Errorf("%w: no header fields", ErrUnparseable)
	}
	p := &Parsed{Header: gomail.Header{Header: ent.Header}}
	for _, r := range repairs {
		p.problem("%s", r)
	}
	if err != nil && !message.IsUnknownCharset(err) {
		p.problem("top-level: %v", err)
	}
	p.readHeader()
	w := walker{p: p, lim: lim}
	body := w.entity(ent, 0)
	p.Text = cleanText(strings.TrimSpace(body.text))
	return p, nil
}

func (p *Parsed) problem(format string, args ...any) {
	if len(p.Problems) < 50 {
		p.Problems = append(p.Problems, fmt.Sprintf(format, args...))
	}
}

func (p *Parsed) readHeader() {
	h := p.Header
	p.MediaType, _, _ = h.ContentType()
	p.Subject = decodeHeader(h.Get("Subject"))
	from := sender(parseMailboxes(h.Get("From")), parseMailboxes(h.Get("Sender")))
	p.From, p.FromName = from.addr, from.name
	p.To = addressList(h.Get("To"))
	p.Cc = addressList(h.Get("Cc"))
	p.MessageID = firstMsgID(h.Get("Message-Id"))
	p.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	p.References = msgIDs(h.Get("References"))
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		p.Date = d
	}
}

// addressList is the canonical addresses of an address header.
func addressList(v string) []string {
	var out []string
	for _, m := range parseMailboxes(v) {
		out = append(out, m.addr)
	}
	return out
}

var msgIDRE = regexp.MustCompile(`<([^<>\s]+)>`)

// maxMsgIDs bounds the References a message may carry.
const maxMsgIDs = 200

// msgIDs reads In-Reply-To and References leniently: every <id> in order,
// or bare tokens when a client left out the brackets. An ID with a control
// character is dropped: it could never match one we know, and it must not
// reach the In-Reply-To or References of a mail we send.
func msgIDs(v string) []string {
	var out []string
	for _, m := range msgIDRE.FindAllStringSubmatch(v, maxMsgIDs) {
		if tickets.MessageIDSafe(m[1]) {
			out = append(out, m[1])
		}
	}
	if out == nil && !strings.Contains(v, "<") {
		for _, f := range strings.Fields(v) {
			if f = strings.Trim(f, "<>,"); strings.Contains(f, "@") && tickets.MessageIDSafe(f) && len(out) < maxMsgIDs {
				out = append(out, f)
			}
		}
	}
	return out
}

func firstMsgID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// walker descends the MIME tree within the limits.
type walker struct {
	p     *Parsed
	lim   Limits
	parts int
	// attached counts the attached messages being read: their parts
	// are a forwarded message's, not this message's PartTypes.
	attached int
}

// body is the text one entity contributes.
type body struct {
	text string
	html bool
}

func (w *walker) entity(e *message.Entity, depth int) body {
	mt, params, err := e.Header.ContentType()
	if err != nil && mt == "" {
		mt = "text/plain"
	}
	if depth > w.lim.MaxDepth {
		w.p.problem("nesting deeper than %d: inner parts not read", w.lim.MaxDepth)
		return body{}
	}
	if depth > 0 && w.attached == 0 && len(w.p.PartTypes) < maxPartTypes {
		w.p.PartTypes = append(w.p.PartTypes, mt)
	}
	asText := false
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] == "" {
		if fixed, ok := w.guessBoundary(e, mt, params); ok {
			e = fixed
		} else {
			mt, params, asText = "text/plain", nil, true
		}
	}
	if mr := e.MultipartReader(); mr != nil && !asText {
		return w.multipart(mt, mr, depth)
	}
	if w.parts >= w.lim.MaxParts {
		return body{}
	}
	w.parts++
	if w.parts == w.lim.MaxParts {
		w.p.problem("more than %d parts: the rest were not read", w.lim.MaxParts)
	}
	disp, _, _ := e.Header.ContentDisposition()
	filename := partFilename(e.Header)
	isText := mt == "text/plain" || mt == "text/html" || mt == "text/enriched" || mt == ""
	if mt == "message/rfc822" || mt == "message/global" {
		if disp != "attachment" || filename == "" {
			return w.attachedMessage(e, depth)
		}
	}
	if isText && disp != "attachment" && filename == "" {
		return w.text(e, mt, params)
	}
	w.attachment(e, mt, filename)
	return body{}
}

func (w *walker) multipart(mt string, mr message.MultipartReader, depth int) body {
	var parts []body
	for {
		if w.parts >= w.lim.MaxParts {
			break
		}
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if part == nil {
			w.p.problem("%s: %v", mt, err)
			break
		}
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			w.p.problem("%s part: %v", mt, err)
		}
		parts = append(parts, w.entity(part, depth+1))
	}
	if mt == "multipart/alternative" {
		return chooseAlternative(parts)
	}
	var b strings.Builder
	html := false
	for _, p := range parts {
		if strings.TrimSpace(p.text) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(strings.TrimSpace(p.text))
		html = html || p.html
	}
	return body{text: b.String(), html: html}
}

// chooseAlternative prefers the plain-text rendering the sender's client
// made, and falls back to the richest (last) one that has any text.
func chooseAlternative(parts []body) body {
	for _, p := range parts {
		if !p.html && strings.TrimSpace(p.text) != "" {
			return p
		}
	}
	for i := len(parts) - 1; i >= 0; i-- {
		if strings.TrimSpace(parts[i].text) != "" {
			return parts[i]
		}
	}
	return body{}
}

func (w *walker) read(e *message.Entity, limit int64) ([]byte, int64) {
	data, err := io.ReadAll(io.LimitReader(e.Body, limit))
	n := int64(len(data))
	if err != nil {
		w.p.problem("reading %s: %v", mediaTypeOf(e), err)
		return data, n
	}
	if n == limit {
		// Count the rest without keeping it.
		more, err := io.Copy(io.Discard, e.Body)
		n += more
		if err != nil {
			w.p.problem("reading %s: %v", mediaTypeOf(e), err)
		}
	}
	return data, n
}

func mediaTypeOf(e *message.Entity) string {
	mt, _, _ := e.Header.ContentType()
	return mt
}

func (w *walker) text(e *message.Entity, mt string, params map[string]string) body {
	data, n := w.read(e, w.lim.MaxTextBytes)
	if n > int64(len(data)) {
		w.p.problem("text part of %d bytes cut to %d", n, len(data))
		for i := 0; i < 3 && len(data) > 0 && !utf8.Valid(data); i++ {
			data = data[:len(data)-1] // do not cut a character in half
		}
	}
	s, err := toUTF8(params["charset"], data)
	if err != nil {
		w.p.problem("%s: %v", mt, err)
	}
	switch {
	case mt == "text/html":
		return body{text: htmltext.Convert(s), html: true}
	case strings.EqualFold(params["format"], "flowed"):
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	return body{text: s}
}

func (w *walker) attachment(e *message.Entity, mt, filename string) {
	data, n := w.read(e, w.lim.MaxAttachmentBytes)
	if filename == "" {
		filename = "attachment"
		if exts := extFor(mt); exts != "" {
			filename += "." + exts
		}
	}
	cid := strings.Trim(strings.TrimSpace(e.Header.Get("Content-Id")), "<>")
	w.p.Attachments = append(w.p.Attachments, Part{Filename: filename, ContentType: tickets.FileType(filename, data), ContentID: cid, Data: data, Size: n})
}

// attachedMessage inlines a forwarded message/rfc822 part: its text joins
// the body under a header line, its files join the attachments.
func (w *walker) attachedMessage(e *message.Entity, depth int) body {
	inner, err := message.ReadWithOptions(e.Body, &message.ReadOptions{MaxHeaderBytes: w.lim.MaxHeaderBytes})
	if inner == nil {
		w.p.problem("attached message: %v", err)
		return body{}
	}
	h := gomail.Header{Header: inner.Header}
	w.attached++
	b := w.entity(inner, depth+1)
	w.attached--
	var sb strings.Builder
	sb.WriteString("---------- Forwarded message ----------\n")
	for _, k := range []string{"From", "Date", "Subject", "To"} {
		if v := h.Get(k); v != "" {
			fmt.Fprintf(&sb, "%s: %s\n", k, decodeHeader(v))
		}
	}
	sb.WriteString("\n")
	sb.WriteString(b.text)
	return body{text: sb.String(), html: b.html}
}
