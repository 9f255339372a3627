package mailin

import (
	"sort"
	"strconv"
	"strings"
)

// maxParamSegments bounds RFC 2231 continuations of one parameter.
const maxParamSegments = 64

// headerParams reads the parameters of a Content-Type or
// Content-Disposition value as mail readers do, where mime.ParseMediaType
// (which go-message uses) gives up: RFC 2231 values in any charset (it
// keeps only us-ascii and utf-8, so "filename*=iso-8859-1”inst%E4llningar.txt"
// was lost), continuations mixing encoded and plain segments, duplicate
// parameters (the first wins) and junk between parameters. Names are lower
// case; values are decoded to UTF-8 except for RFC 2047 words, which the
// caller decodes where senders put them.
func headerParams(v string) map[string]string {
	type segment struct {
		n       int
		encoded bool
		value   string
	}
	plain := map[string]string{}
	segs := map[string][]segment{}
	fields := splitParams(v)
	if len(fields) > 0 {
		fields = fields[1:] // the media type or disposition itself
	}
	for _, f := range fields {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = unquoteParam(strings.TrimSpace(value))
		if name == "" {
			continue
		}
		base, rest, star := strings.Cut(name, "*")
		if !star {
			if _, dup := plain[name]; !dup {
				plain[name] = value
			}
			continue
		}
		s := segment{encoded: strings.HasSuffix(rest, "*") || rest == ""}
		num := strings.TrimSuffix(rest, "*")
		if num != "" {
			n, err := strconv.Atoi(num)
			if err != nil || n < 0 || n >= maxParamSegments {
				continue
			}
			s.n = n
		}
		s.value = value
		segs[base] = append(segs[base], s)
	}
	out := plain
	for base, ss := range segs {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].n < ss[j].n })
		var raw []byte
		charset := ""
		for i, s := range ss {
			if s.n != i {
				break // a gap or a repeat: keep what is continuous
			}
			val := s.value
			if s.encoded && i == 0 {
				// charset'language'value; a sender who forgot the quotes
				// still gets the value read.
				if c, rest, ok := strings.Cut(val, "'"); ok {
					if _, rest2, ok := strings.Cut(rest, "'"); ok {
						charset, val = c, rest2
					}
				}
			}
			if s.encoded {
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		if len(raw) == 0 && out[base] != "" {
			continue
		}
		s, _ := toUTF8(charset, raw) // a bad charset costs accents, not the name
		out[base] = s
	}
	return out
}

// splitParams splits a header value at the semicolons outside quoted
// strings.
func splitParams(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\'):
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// unquoteParam removes a quoted string's quotes and escapes; an unclosed
// quote is read to the end. Like browsers and mime.ParseMediaType, only \"
// and \\ are escapes: Windows clients send C:\Users\ana\log.txt unescaped.
func unquoteParam(v string) string {
	if !strings.HasPrefix(v, `"`) {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\') {
			i++
			b.WriteByte(v[i])
			continue
		}
		if c == '"' {
			break
		}
		b.WriteByte(c)
	}
	return b.String()
}

// percentDecode reads RFC 2231 %XX escapes; a bad escape stays as it is.
func percentDecode(v string) []byte {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if b, err := strconv.ParseUint(v[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, v[i])
	}
	return out
}
