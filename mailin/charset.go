package mailin

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// lookupCharset finds a decoder for a MIME charset label. WHATWG labels come
// first because they encode what mail clients really do: a part labelled
// iso-8859-1 or us-ascii that carries Outlook's curly quotes (0x93, 0x94) is
// windows-1252 in fact.
func lookupCharset(label string) (encoding.Encoding, error) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8", "x-unknown", "unknown-8bit":
		return nil, nil // UTF-8 or unknown: validated by toUTF8
	}
	if enc, err := htmlindex.Get(label); err == nil && enc != nil {
		return enc, nil
	}
	for _, l := range []string{label, "cs" + label} {
		if enc, err := ianaindex.MIME.Encoding(l); err == nil && enc != nil {
			return enc, nil
		}
	}
	return nil, fmt.Errorf("unknown charset %q", label)
}

// toUTF8 converts text in a charset to UTF-8. With an unknown label or bytes
// that are not valid in it, the text is still returned (decoded as
// windows-1252 when it is not valid UTF-8) together with the error, so that
// a bad charset costs accents, never the message.
func toUTF8(label string, b []byte) (string, error) {
	enc, err := lookupCharset(label)
	if err == nil && enc != nil {
		out, derr := enc.NewDecoder().Bytes(b)
		if derr == nil {
			return string(out), nil
		}
		err = fmt.Errorf("charset %q: %w", label, derr)
	}
	if utf8.Valid(b) {
		return string(b), err
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(out), err
}

// validUTF8 reads a header written in raw 8-bit bytes (no RFC 2047) as
// windows-1252 when it is not UTF-8, which is what such senders use.
func validUTF8(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	s, _ := toUTF8("windows-1252", []byte(v))
	return s
}

// wordDecoder decodes RFC 2047 encoded-words in any charset we know.
func wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return nil, err
		}
		s, _ := toUTF8(label, b) // best effort: accents may suffer, words survive
		return strings.NewReader(s), nil
	}}
}

// decodeHeader decodes an unstructured header value (Subject, a display
// name): RFC 2047 words in mixed charsets, raw 8-bit bytes, folding. Broken
// encoded-words are left as they are rather than failing the message.
func decodeHeader(v string) string {
	v = validUTF8(v)
	dec, err := wordDecoder().DecodeHeader(v)
	if err != nil {
		dec = v
	}
	dec = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, dec)
	return strings.Join(strings.Fields(dec), " ")
}

// cleanText turns decoded body text into the form the store keeps: \n line
// ends, no NUL or other control characters but tab.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if !strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || r == utf8.RuneError }) {
		return s
	}
	var b bytes.Buffer
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || r == utf8.RuneError {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
