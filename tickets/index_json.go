package tickets

import (
	"bytes"
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeMessageFields decodes what the index needs of a stored message. It
// is json.Unmarshal into m, only faster: the index reads every message at
// start, and a message's other fields (its full text above all) are skipped
// without being decoded or validated. Anything unexpected goes to
// json.Unmarshal, which has the last word.
func decodeMessageFields(data []byte, m *messageFields) error {
	var text, dir []byte
	ok := eachTopField(data, func(key, val []byte) bool {
		switch string(key) {
		case "text":
			text = val
		case "direction":
			dir = val
		default:
			// encoding/json matches names regardless of case.
			if bytes.EqualFold(key, []byte("text")) || bytes.EqualFold(key, []byte("direction")) {
				return false
			}
		}
		return true
	})
	if !ok {
		return json.Unmarshal(data, m)
	}
	*m = messageFields{}
	if dir != nil {
		if err := json.Unmarshal(dir, &m.Direction); err != nil {
			return err
		}
	}
	if text != nil {
		if s, ok := unquoteJSON(text); ok {
			m.Text = s
		} else if err := json.Unmarshal(text, &m.Text); err != nil {
			return err
		}
	}
	return nil
}

// unquoteJSON decodes a JSON string literal as json.Unmarshal does, and
// tells whether it could: anything unusual (a control character, invalid
// UTF-8, a bad escape) is left to json.Unmarshal.
func unquoteJSON(lit []byte) (string, bool) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", false
	}
	lit = lit[1 : len(lit)-1]
	if !utf8.Valid(lit) {
		return "", false
	}
	out := make([]byte, 0, len(lit))
	for len(lit) > 0 {
		i := bytes.IndexByte(lit, '\\')
		if i < 0 {
			i = len(lit)
		}
		for _, c := range lit[:i] {
			if c < ' ' || c == '"' {
				return "", false
			}
		}
		out, lit = append(out, lit[:i]...), lit[i:]
		if len(lit) == 0 {
			break
		}
		if len(lit) < 2 {
			return "", false
		}
		switch c := lit[1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(lit[2:])
			if !ok {
				return "", false
			}
			lit = lit[4:]
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if len(lit) >= 8 && lit[2] == '\\' && lit[3] == 'u' {
					r2, ok = hex4(lit[4:])
				}
				if d := utf16.DecodeRune(r, r2); ok && d != unicode.ReplacementChar {
					r, lit = d, lit[6:]
				} else {
					r = unicode.ReplacementChar
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
		lit = lit[2:]
	}
	return string(out), true
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// decodeTicketFields is json.Unmarshal of a stored ticket into f, only
// faster, like decodeMessageFields.
func decodeTicketFields(data []byte, f *ticketFields) error {
	var vals [7][]byte
	names := [7]string{"subject", "status", "type", "department", "requester", "assignee", "updated_at"}
	ok := eachTopField(data, func(key, val []byte) bool {
		for i, name := range names {
			if string(key) == name {
				vals[i] = val
				return true
			}
			if bytes.EqualFold(key, []byte(name)) {
				return false // encoding/json matches names regardless of case
			}
		}
		return true
	})
	if !ok {
		return json.Unmarshal(data, f)
	}
	*f = ticketFields{}
	for i, dst := range []*string{&f.Subject, (*string)(&f.Status), (*string)(&f.Type), &f.Department, &f.Requester, &f.Assignee} {
		if vals[i] == nil {
			continue
		}
		if s, ok := unquoteJSON(vals[i]); ok {
			*dst = s
		} else if err := json.Unmarshal(vals[i], dst); err != nil {
			return err
		}
	}
	if vals[6] != nil {
		return json.Unmarshal(vals[6], &f.UpdatedAt)
	}
	return nil
}

// eachTopField calls fn with the name and raw value of every member of the
// JSON object data, and tells whether the object was simple enough to walk
// this way (and fn always said yes): names without escapes, nothing after
// the object. The walk itself checks little, so invalid JSON is sent to
// json.Unmarshal first (json.Valid is a fraction of decoding's cost): it
// has the last word on what an invalid record is.
func eachTopField(data []byte, fn func(key, val []byte) bool) bool {
	if !json.Valid(data) {
		return false
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return false
		}
		end := bytes.IndexByte(data[i+1:], '"')
		if end < 0 {
			return false
		}
		key := data[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(data, i+end+2)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		j := skipValue(data, i)
		if j < 0 || !fn(key, data[i:j]) {
			return false
		}
		i = skipSpace(data, j)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at i, or -1. It
// finds the extent only; the values used are checked when decoded.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i = skipString(data, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	default:
		j := i
		for j < len(data) && bytes.IndexByte([]byte(",}] \t\r\n"), data[j]) < 0 {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// skipString returns the end of the JSON string starting at i, or -1.
func skipString(data []byte, i int) int {
	for j := i + 1; ; {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		bs := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			bs++
		}
		if bs%2 == 0 {
			return j + 1
		}
		j++
	}
}
