package mailin

import (
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"

	"github.com/ticketgw/ticketgw/tickets"
)

// partFilename finds a part's file name where mail clients put it: the
// Content-Disposition filename, else the older Content-Type name, each in
// its RFC 2231 form (any charset, continuations) or plain, where Outlook
// and others write RFC 2047 words and some write raw 8-bit bytes. The name
// is then made safe by tickets.CleanFilename, the same rule the pages use;
// "" when the part has none.
func partFilename(h message.Header) string {
	name := headerParams(h.Get("Content-Disposition"))["filename"]
	if strings.TrimSpace(name) == "" {
		name = headerParams(h.Get("Content-Type"))["name"]
	}
	if strings.Contains(name, "=?") {
		name = decodeHeader(name)
	} else if !utf8.ValidString(name) {
		name = validUTF8(name)
	}
	return tickets.CleanFilename(name)
}

// extFor names a file that came without a name after its declared type, so
// that the analyst can open it; the stored type is still sniffed.
func extFor(mt string) string {
	switch mt {
	case "image/png":
		return "png"
	case "image/jpeg":
		return "jpg"
	case "image/gif":
		return "gif"
	case "application/pdf":
		return "pdf"
	case "text/plain":
		return "txt"
	case "text/calendar":
		return "ics"
	case "message/rfc822", "message/global":
		return "eml"
	}
	return "bin"
}
